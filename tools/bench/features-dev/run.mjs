#!/usr/bin/env node
// DEV quality benchmark of libs/features: extract → brute-force candidates (the clustering lib's rule) →
// verify → connected components → the bench scorer; then a harder self-made stress set built from DEV originals.
// Usage: npx tsc -b libs/features/tsconfig.lib.json && node tools/bench/features-dev/run.mjs [--no-stress] [--verify-all] [--dump file.json]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as F from '../../../libs/features/dist/index.js';
import { buildStress } from './stress.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCH = path.resolve(here, '../../../../shared/bench');
const DEV = path.join(BENCH, 'dev');
const IN_FLIGHT = 4;
const args = process.argv.slice(2);
const dumpPath = args.includes('--dump') ? args[args.indexOf('--dump') + 1] : null;

function popcount(x) {
  return F.popcount64(x);
}

async function extractAll(dir, names) {
  const feats = new Map();
  const failed = [];
  const buffers = names.map((n) => fs.readFileSync(path.join(dir, n)));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < names.length) {
        const i = next++;
        try {
          feats.set(names[i], await F.extractFeatures(buffers[i]));
        } catch (err) {
          failed.push(`${names[i]}: ${err.reason ?? err.message}`);
        }
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { feats, failed, imgPerSec: names.length / secs };
}

async function plainDecodeRate(dir, names) {
  const buffers = names.map((n) => fs.readFileSync(path.join(dir, n)));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < names.length) {
        const b = buffers[next++];
        await sharp(b, { failOn: 'none' }).resize(64, 64, { fit: 'fill' }).greyscale().raw().toBuffer();
      }
    }),
  );
  return names.length / ((performance.now() - t0) / 1000);
}

// The candidate rule implemented by libs/clustering: a probe of one within CANDIDATE_RADIUS of an anchor of the other.
function candidatePairs(names, feats) {
  const codes = names.map((n) => F.descriptorCodes(feats.get(n).descriptor));
  const pairs = [];
  const near = (p, a) => {
    for (const x of p) for (const y of a) if (popcount(x ^ y) <= F.CANDIDATE_RADIUS) return true;
    return false;
  };
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++)
      if (near(codes[i].probes, codes[j].anchors) || near(codes[j].probes, codes[i].anchors)) pairs.push([names[i], names[j]]);
  return pairs;
}

function components(names, edges) {
  const parent = new Map(names.map((n) => [n, n]));
  const find = (x) => {
    while (parent.get(x) !== x) {
      parent.set(x, parent.get(parent.get(x)));
      x = parent.get(x);
    }
    return x;
  };
  for (const [a, b] of edges) parent.set(find(a), find(b));
  const groups = new Map();
  for (const n of names) {
    const r = find(n);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r).push(n);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

function truePairs(clusters) {
  const set = new Set();
  for (const c of clusters) for (let i = 0; i < c.length; i++) for (let j = i + 1; j < c.length; j++) set.add([c[i], c[j]].sort().join('|'));
  return set;
}

async function evaluate(label, dir, truth) {
  const names = fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  const { feats, failed, imgPerSec: coldPerSec } = await extractAll(dir, names);
  // Second, warm pass for the rate (the first includes JIT warm-up); speed.mjs alternates with the floor under load.
  const { imgPerSec } = await extractAll(dir, names);
  const ok = names.filter((n) => feats.has(n));
  const cands = candidatePairs(ok, feats);
  const t0 = performance.now();
  const verified = [];
  const scores = new Map();
  for (const [a, b] of cands) {
    const v = F.verifyPair(feats.get(a).verifier, feats.get(b).verifier);
    scores.set(`${a}|${b}`, v);
    if (v.match) verified.push([a, b]);
  }
  const msPerPair = cands.length ? (performance.now() - t0) / cands.length : 0;
  const clusters = components(ok, verified);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'features-dev-'));
  const predFile = path.join(tmp, 'pred.json');
  fs.writeFileSync(predFile, JSON.stringify({ clusters }));
  let report;
  try {
    report = execFileSync('node', [path.join(BENCH, 'score.mjs'), '--truth', truth, '--pred', predFile], { encoding: 'utf8' });
  } catch (err) {
    report = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  const t = JSON.parse(fs.readFileSync(truth, 'utf8'));
  const hard = new Set((t.hard ?? []).flat());
  const tp = truePairs(t.clusters);
  const candSet = new Set(cands.map((p) => [...p].sort().join('|')));
  let main = 0;
  let mainHit = 0;
  let hardN = 0;
  let hardHit = 0;
  const missed = [];
  for (const p of tp) {
    const [a, b] = p.split('|');
    const isHard = hard.has(a) || hard.has(b);
    const hit = candSet.has(p);
    if (isHard) {
      hardN++;
      hardHit += hit ? 1 : 0;
    } else {
      main++;
      mainHit += hit ? 1 : 0;
      if (!hit) missed.push(`${t.kinds?.[a] ?? '?'}~${t.kinds?.[b] ?? '?'}`);
    }
  }
  const verifiedTrue = verified.filter((p) => tp.has([...p].sort().join('|'))).length;
  const bytes = ok.map((n) => feats.get(n).descriptor.length + feats.get(n).verifier.length);
  console.log(`\n===== ${label}: ${names.length} files =====`);
  console.log(report.trimEnd());
  console.log(`--- features-dev extras (${label}) ---`);
  if (failed.length) console.log(`failed files: ${failed.length}\n  ${failed.join('\n  ')}`);
  console.log(`candidate recall (main true pairs): ${(mainHit / main).toFixed(3)} (${mainHit}/${main}); hard families: ${hardHit}/${hardN}`);
  const missCount = missed.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map());
  if (missed.length) console.log(`  missed candidate pairs by kinds: ${[...missCount].map(([k, v]) => `${k}:${v}`).join(' ')}`);
  console.log(`candidate pairs: ${cands.length} (${(cands.length / ok.length).toFixed(2)} per image), verified: ${verified.length} (true ${verifiedTrue})`);
  console.log(`extraction: ${imgPerSec.toFixed(1)} img/s warm, ${coldPerSec.toFixed(1)} img/s first pass (${IN_FLIGHT} in flight, load ${os.loadavg()[0].toFixed(1)})`);
  console.log(`verification: ${msPerPair.toFixed(3)} ms/pair (one thread)`);
  console.log(`bytes per image (descriptor + verifier): mean ${(bytes.reduce((a, b) => a + b, 0) / bytes.length).toFixed(0)}, max ${Math.max(...bytes)}`);
  if (args.includes('--verify-all')) {
    // The verifier alone over every pair: separates candidate-stage misses from verifier misses.
    const all = [];
    for (let i = 0; i < ok.length; i++)
      for (let j = i + 1; j < ok.length; j++) if (F.verifyPair(feats.get(ok[i]).verifier, feats.get(ok[j]).verifier).match) all.push([ok[i], ok[j]]);
    fs.writeFileSync(predFile, JSON.stringify({ clusters: components(ok, all) }));
    let line;
    try {
      line = execFileSync('node', [path.join(BENCH, 'score.mjs'), '--truth', truth, '--pred', predFile], { encoding: 'utf8' });
    } catch (err) {
      line = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    const pick = line.split('\n').filter((l) => /^pairwise|hard negatives|^F1=/.test(l));
    console.log(`verifier over all ${(ok.length * (ok.length - 1)) / 2} pairs: ${all.length} verified (true ${all.filter((p) => tp.has([...p].sort().join('|'))).length})\n  ${pick.join('\n  ')}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return { names: ok, feats, cands, scores, imgPerSec };
}

const dev = await evaluate('DEV', path.join(DEV, 'images'), path.join(DEV, 'truth.json'));
const baseNames = fs.readdirSync(path.join(DEV, 'images')).sort();
const plain = await plainDecodeRate(path.join(DEV, 'images'), baseNames);
console.log(`reference: plain sharp decode to 64×64 grey, 2 in flight: ${plain.toFixed(1)} img/s → extraction/plain time ratio ${(plain / dev.imgPerSec).toFixed(2)}`);
if (dumpPath) {
  const out = dev.cands.map(([a, b]) => ({ a, b, ...dev.scores.get(`${a}|${b}`) }));
  fs.writeFileSync(dumpPath, JSON.stringify(out));
}
if (!args.includes('--no-stress')) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'features-stress-'));
  const imgDir = path.join(root, 'images');
  fs.mkdirSync(imgDir);
  const truth = await buildStress(imgDir, DEV);
  await evaluate('STRESS (crops 12–15 %, rotation 4°, 6-frame bursts at 9 %/frame, blurred/white letterbox)', imgDir, truth);
  fs.rmSync(root, { recursive: true, force: true });
}
