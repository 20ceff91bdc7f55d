#!/usr/bin/env node
// Candidate-stage explorer for libs/features: decodes DEV and the stress sets once (cached under $FX_EXPLORE_DIR,
// default /tmp/fx-explore), runs the verifier over ALL pairs once (cached), then scores descriptor variants
// (window layouts, code types, radii) by candidate recall, candidates per image, index cost and the end-to-end
// score of components(candidates ∩ verifier matches) — i.e. what the pipeline would score with that descriptor.
// Usage: npx tsc -b libs/features/tsconfig.lib.json && node tools/bench/features-dev/explore.mjs [variant-name-substring ...]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as N from '../../../libs/features/dist/normalise.js';
import * as V from '../../../libs/features/dist/verifier.js';
import * as Rr from '../../../libs/features/dist/raster.js';
import * as F from '../../../libs/features/dist/index.js';
import { buildStress } from './stress.mjs';
import { VARIANTS } from './variants.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCH = path.resolve(here, '../../../../shared/bench');
const DEV = path.join(BENCH, 'dev');
const ROOT = process.env.FX_EXPLORE_DIR ?? path.join(os.tmpdir(), 'fx-explore');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const RADII = (process.env.FX_RADII ?? '6,8,10').split(',').map(Number);

async function loadSet(label, dir, truthFile) {
  const names = fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  const items = [];
  for (const name of names) {
    const dec = await N.decodeWorking(fs.readFileSync(path.join(dir, name)), N.DEFAULT_LIMIT_INPUT_PIXELS);
    const content = N.findContentRect(dec.grey);
    items.push({ name, grey: dec.grey, content, verifier: V.encodeVerifier(dec.grey, content) });
  }
  const cacheFile = path.join(ROOT, `${label}-verified.json`);
  let matched;
  if (fs.existsSync(cacheFile)) matched = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  else {
    matched = [];
    for (let i = 0; i < items.length; i++)
      for (let j = i + 1; j < items.length; j++) if (V.verifyPair(items[i].verifier, items[j].verifier).match) matched.push(i * 100000 + j);
    fs.writeFileSync(cacheFile, JSON.stringify(matched));
  }
  const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8'));
  const fam = new Map();
  truth.clusters.forEach((c, k) => c.forEach((n) => fam.set(n, k)));
  const hard = new Set((truth.hard ?? []).flat());
  return { label, items, truthFile, truth, fam, hard, matched: new Set(matched) };
}

function popcount32(v) {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function splitCodes(list) {
  const lo = new Uint32Array(list.length);
  const hi = new Uint32Array(list.length);
  list.forEach((c, i) => {
    lo[i] = Number(c & 0xffffffffn);
    hi[i] = Number(c >> 32n);
  });
  return { lo, hi, n: list.length };
}

function minDist(p, a) {
  let best = 64;
  for (let i = 0; i < p.n; i++)
    for (let j = 0; j < a.n; j++) {
      const d = popcount32(p.lo[i] ^ a.lo[j]) + popcount32(p.hi[i] ^ a.hi[j]);
      if (d < best) best = d;
    }
  return best;
}

function components(n, edges) {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x) => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const [a, b] of edges) parent[find(a)] = find(b);
  const groups = new Map();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r).push(i);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

function ballVolume(bits, radius) {
  let v = 0;
  let t = 1;
  for (let k = 0; k <= radius; k++) {
    v += t;
    t = (t * (bits - k)) / (k + 1);
  }
  return v;
}
// Bucket lookups per query of the lib's cheapest plan at 1M images (entries = 1M × probes), ×(anchors+probes) queries.
function indexCost(nA, nP, R) {
  const entries = 1e6 * nP;
  let best = Infinity;
  for (let m = 3; m <= 8; m++) {
    const slack = R - m + 1;
    let cost = 0;
    for (let i = 0; i < m; i++) {
      const bits = Math.floor(64 / m) + (i < 64 % m ? 1 : 0);
      const t = slack < 0 ? (i <= R ? 0 : -1) : Math.floor(slack / m) + (i < slack % m ? 1 : 0);
      if (t < 0) continue;
      cost += ballVolume(bits, t) * (1.5 + entries / 2 ** bits);
    }
    best = Math.min(best, cost);
  }
  return best * (nA + nP);
}
const REF_COST = indexCost(1, 4, 8);

function evaluate(set, variant) {
  const t0 = performance.now();
  const codes = set.items.map((it) => variant.codes(it.grey, it.content));
  const ms = (performance.now() - t0) / set.items.length;
  const A = codes.map((c) => splitCodes(c.anchors));
  const P = codes.map((c) => splitCodes([...c.anchors, ...c.probes]));
  const n = set.items.length;
  const rows = [];
  const dist = new Uint8Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) dist[i * n + j] = Math.min(minDist(P[i], A[j]), minDist(P[j], A[i]));
  for (const R of RADII) {
    let main = 0;
    let hit = 0;
    let hardN = 0;
    let hardHit = 0;
    let cands = 0;
    const missed = new Map();
    const edges = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const c = dist[i * n + j] <= R;
        if (c) {
          cands++;
          if (set.matched.has(i * 100000 + j)) edges.push([i, j]);
        }
        const a = set.items[i].name;
        const b = set.items[j].name;
        const fa = set.fam.get(a);
        if (fa === undefined || fa !== set.fam.get(b)) continue;
        if (set.hard.has(a) || set.hard.has(b)) {
          hardN++;
          hardHit += c ? 1 : 0;
        } else {
          main++;
          hit += c ? 1 : 0;
          if (!c) {
            const k = [set.truth.kinds[a], set.truth.kinds[b]].sort().join('~');
            missed.set(k, (missed.get(k) ?? 0) + 1);
          }
        }
      }
    const clusters = components(n, edges).map((g) => g.map((i) => set.items[i].name));
    const predFile = path.join(ROOT, 'pred.json');
    fs.writeFileSync(predFile, JSON.stringify({ clusters }));
    let s;
    try {
      s = JSON.parse(execFileSync('node', [path.join(BENCH, 'score.mjs'), '--truth', set.truthFile, '--pred', predFile, '--json'], { encoding: 'utf8' }).split('\n')[0]);
    } catch (err) {
      s = JSON.parse(String(err.stdout).split('\n')[0]);
    }
    const pk = s.per_kind.main;
    const kindR = (k) => (pk[k] ? pk[k].recall.toFixed(2) : '-');
    const kinds = set.label === 'DEV' ? ['exif_orient', 'letterbox', 'crop', 'rotate', 'burst'] : ['crop', 'rotate', 'burst', 'letterbox_blur', 'letterbox_white', 'combo'];
    const hardR = s.hard?.pairwise?.recall;
    rows.push(
      `${set.label.padEnd(7)} R=${String(R).padStart(2)} cand-recall ${(hit / main).toFixed(3)} (${hit}/${main}) cands/img ${(cands / n).toFixed(2)} | P ${s.main.pairwise.precision.toFixed(3)} R ${s.main.pairwise.recall.toFixed(3)} F1 ${s.main.pairwise.f1.toFixed(4)} hn-viol ${s.hard_negatives.violations} | ${kinds.map((k) => `${k} ${kindR(k)}`).join(' ')}` +
        (set.hard.size ? ` | hard cand ${hardHit}/${hardN} R ${hardR?.toFixed(2)}` : '') +
        ` | idx ${(indexCost(codes[0].anchors.length, codes[0].anchors.length + codes[0].probes.length, R) / REF_COST).toFixed(1)}×` +
        (process.argv.includes('--missed') ? `\n      missed: ${[...missed].map(([k, v]) => `${k}:${v}`).join(' ')}` : ''),
    );
  }
  return { rows, ms };
}

fs.mkdirSync(ROOT, { recursive: true });
const sets = [await loadSet('DEV', path.join(DEV, 'images'), path.join(DEV, 'truth.json'))];
for (const [label, harder] of [['STRESS', false], ['STRESS2', true]]) {
  if (process.argv.includes('--no-' + label.toLowerCase())) continue;
  const imgDir = path.join(ROOT, label, 'images');
  if (!fs.existsSync(path.join(ROOT, label, 'truth.json'))) {
    fs.mkdirSync(imgDir, { recursive: true });
    await buildStress(imgDir, DEV, { harder });
  }
  sets.push(await loadSet(label, imgDir, path.join(ROOT, label, 'truth.json')));
}
for (const v of VARIANTS) {
  if (filters.length && !filters.some((f) => v.name.includes(f))) continue;
  const probe = v.codes(sets[0].items[0].grey, sets[0].items[0].content);
  console.log(`\n## ${v.name}: ${probe.anchors.length} anchors + ${probe.probes.length} extra probes${v.note ? ` — ${v.note}` : ''}`);
  for (const set of sets) {
    const { rows, ms } = evaluate(set, v);
    for (const r of rows) console.log(r);
    if (set.label === 'DEV') console.log(`        codes: ${ms.toFixed(2)} ms/img`);
  }
}
