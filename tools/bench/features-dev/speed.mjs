#!/usr/bin/env node
// Extraction speed vs the plain-decode floor on DEV files, alternating rounds so machine load hits both alike.
// Floor: sharp decode to 64×64 greyscale, 2 in flight. Extraction: extractFeatures, IN_FLIGHT in flight.
// Usage: npx tsc -b libs/features/tsconfig.lib.json && node tools/bench/features-dev/speed.mjs [--rounds 3] [--in-flight 4]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as F from '../../../libs/features/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const IMAGES = path.resolve(here, '../../../../shared/bench/dev/images');
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
const rounds = opt('--rounds', 3);
const inFlight = opt('--in-flight', 4);
const buffers = fs.readdirSync(IMAGES).sort().map((n) => fs.readFileSync(path.join(IMAGES, n)));

// img/s (wall) and CPU ms per image (all threads of this process: less sensitive to other users' load).
async function rate(fn, lanes) {
  let next = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < buffers.length) await fn(buffers[next++]);
  }));
  const c = process.cpuUsage(c0);
  return { ips: buffers.length / ((performance.now() - t0) / 1000), cpu: (c.user + c.system) / 1000 / buffers.length };
}
const plain = (b) => sharp(b, { failOn: 'none' }).resize(64, 64, { fit: 'fill' }).greyscale().raw().toBuffer();
await rate(plain, 2);
await rate(F.extractFeatures, inFlight);
const ratios = [];
const cpuRatios = [];
for (let r = 0; r < rounds; r++) {
  const p = await rate(plain, 2);
  const e = await rate(F.extractFeatures, inFlight);
  ratios.push(p.ips / e.ips);
  cpuRatios.push(e.cpu / p.cpu);
  console.log(
    `round ${r + 1}: plain ${p.ips.toFixed(1)} img/s (${p.cpu.toFixed(1)} CPU ms/img), extraction ${e.ips.toFixed(1)} img/s (${e.cpu.toFixed(1)} CPU ms/img), wall ratio ${(p.ips / e.ips).toFixed(2)}, CPU ratio ${(e.cpu / p.cpu).toFixed(2)} (load ${os.loadavg()[0].toFixed(1)})`,
  );
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`median extraction/plain: wall-time ratio ${med(ratios).toFixed(2)}, CPU-time ratio ${med(cpuRatios).toFixed(2)}`);
