// Synthetic camera-roll for the pipeline benchmark, made from DEV photos: each photo is cut into a 3×3 grid of
// disjoint cells (distinct "shots"), and each shot gets several variants (random crop, scale, re-encode), like a
// burst or an edited copy. Generated once per (count, seed) into the system temp dir and reused.
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const GRID = 3;
const FORMAT_VERSION = 1;

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Returns {dir, files, generated} with `count` images, generating them only when the cache is missing. */
export async function syntheticImages({ sourceDir, count, seed = 1, log = () => undefined }) {
  const dir = join(tmpdir(), `simclust-pipeline-v${FORMAT_VERSION}-n${count}-s${seed}`);
  const done = join(dir, '.complete');
  if (existsSync(done)) return { dir, files: readdirSync(dir).filter((f) => !f.startsWith('.')).sort().map((f) => join(dir, f)), generated: false };

  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  const random = rng(seed);
  const sources = readdirSync(sourceDir).sort();
  const shots = Math.min(sources.length * GRID * GRID, Math.ceil(count / 3));
  // Shot k is cell (k mod 9) of source floor(k / 9) taken round the sources, so shots spread over all photos.
  const shotOf = (k) => ({ source: sources[k % sources.length], cell: Math.floor(k / sources.length) % (GRID * GRID) });
  const decoded = new Map();
  const raw = async (name) => {
    if (!decoded.has(name)) {
      if (decoded.size > 8) decoded.delete(decoded.keys().next().value);
      const { data, info } = await sharp(join(sourceDir, name)).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
      decoded.set(name, { data, info });
    }
    return decoded.get(name);
  };

  // Variants of one shot are consecutive: the decoded source stays cached while they are made.
  const files = [];
  const perShot = Math.floor(count / shots);
  const extra = count - perShot * shots;
  let n = 0;
  for (let k = 0; k < shots; k++) {
    const { source, cell } = shotOf(k);
    const { data, info } = await raw(source);
    const cw = Math.floor(info.width / GRID);
    const ch = Math.floor(info.height / GRID);
    const cx = (cell % GRID) * cw;
    const cy = Math.floor(cell / GRID) * ch;
    const variants = perShot + (k < extra ? 1 : 0);
    for (let v = 0; v < variants; v++) {
      // Crop up to 8 % per edge, scale 60–100 %, re-encode as JPEG (q 55–92) or now and then WebP/PNG.
      const l = Math.floor(cw * 0.08 * random());
      const r = Math.floor(cw * 0.08 * random());
      const t = Math.floor(ch * 0.08 * random());
      const b = Math.floor(ch * 0.08 * random());
      const width = cw - l - r;
      const height = ch - t - b;
      const scale = 0.6 + 0.4 * random();
      const pick = random();
      const format = pick < 0.8 ? 'jpg' : pick < 0.93 ? 'webp' : 'png';
      let image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
        .extract({ left: cx + l, top: cy + t, width, height })
        .resize(Math.max(16, Math.round(width * scale)));
      image = format === 'jpg' ? image.jpeg({ quality: 55 + Math.floor(37 * random()) }) : format === 'webp' ? image.webp({ quality: 80 }) : image.png();
      const name = `img_${String(n).padStart(6, '0')}_s${k}.${format}`;
      writeFileSync(join(partial, name), await image.toBuffer());
      files.push(join(dir, name));
      n++;
    }
    if (k % 200 === 0) log(`  generated ${n}/${count}`);
  }
  writeFileSync(join(partial, '.complete'), `${count}\n`);
  renameSync(partial, dir);
  return { dir, files: files.sort(), generated: true };
}
