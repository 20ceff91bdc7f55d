#!/usr/bin/env node
// Verification cost on the DEV candidate pairs: ms per pair on one core (the verifier is synchronous and pure).
// Usage: npx tsc -b libs/features/tsconfig.lib.json && node tools/bench/verify/run.mjs [--rounds 5]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as F from '../../../libs/features/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const IMAGES = path.resolve(here, '../../../../shared/bench/dev/images');
const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;

const names = fs.readdirSync(IMAGES).sort();
const feats = [];
for (const n of names) feats.push(await F.extractFeatures(fs.readFileSync(path.join(IMAGES, n))));
const codes = feats.map((f) => F.descriptorCodes(f.descriptor));
const near = (p, a) => p.some((x) => a.some((y) => F.popcount64(x ^ y) <= F.CANDIDATE_RADIUS));
const pairs = [];
for (let i = 0; i < names.length; i++)
  for (let j = i + 1; j < names.length; j++)
    if (near([...codes[i].probes], [...codes[j].anchors]) || near([...codes[j].probes], [...codes[i].anchors])) pairs.push([i, j]);

// Fresh payload copies: the first round includes the per-payload parse a worker pays once per image.
const cold = feats.map((f) => Uint8Array.from(f.verifier));
let t = performance.now();
let matches = 0;
for (const [i, j] of pairs) if (F.verifyPair(cold[i], cold[j]).match) matches++;
const coldMs = (performance.now() - t) / pairs.length;
const warm = [];
for (let r = 0; r < rounds; r++) {
  t = performance.now();
  for (const [i, j] of pairs) F.verifyPair(cold[i], cold[j]);
  warm.push((performance.now() - t) / pairs.length);
}
warm.sort((a, b) => a - b);
console.log(`DEV candidate pairs: ${pairs.length}, verified: ${matches}`);
console.log(`verification: first pass (incl. payload parse) ${coldMs.toFixed(3)} ms/pair; repeated passes median ${warm[warm.length >> 1].toFixed(3)} ms/pair, best ${warm[0].toFixed(3)} ms/pair (one core)`);
