// Stress set for libs/features benches: stronger versions of the DEV kinds, made from DEV originals
// (written to a temp dir, never into the repo). Shared by run.mjs and explore.mjs.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/**
 * `harder`: a second set with the holdout's likely direction — asymmetric crops (0–18 % per edge independently,
 * and one 20 % single-edge cut), rotation 5°, bursts at 10 %/frame with 1 %/frame zoom — to check that a choice
 * made on the first set is not tuned to its exact parameters.
 */
export async function buildStress(dir, DEV, { harder = false } = {}) {
  const truthDev = JSON.parse(fs.readFileSync(path.join(DEV, 'truth.json'), 'utf8'));
  const originals = Object.entries(truthDev.kinds)
    .filter(([, k]) => k === 'original')
    .map(([n]) => n)
    .sort();
  const distractors = Object.entries(truthDev.kinds)
    .filter(([, k]) => k === 'distractor')
    .map(([n]) => n)
    .sort();
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const uni = (a, b) => a + (b - a) * rnd();
  const clusters = [];
  const kinds = {};
  let id = 0;
  const save = async (img, kind) => {
    const name = `s_${String(id++).padStart(4, '0')}.jpg`;
    await img.jpeg({ quality: 88 }).toFile(path.join(dir, name));
    kinds[name] = kind;
    return name;
  };
  for (const [fi, orig] of originals.entries()) {
    const src = fs.readFileSync(path.join(DEV, 'images', orig));
    const meta = await sharp(src).metadata();
    const W = meta.width;
    const H = meta.height;
    const family = fi % 3;
    // Burst families are frames only (as from a camera); the others keep their original.
    const fam = family === 1 ? [] : [await save(sharp(src), 'original')];
    if (family === 0) {
      // Crops of 12–15 % per edge, independently per edge.
      for (let k = 0; k < 2; k++) {
        const [lo, hi] = harder ? [0, 0.18] : [0.12, 0.15];
        let l = uni(lo, hi), r = uni(lo, hi), t = uni(lo, hi), b = uni(lo, hi);
        if (harder && k === 1) [l, r, t, b] = [[0.2, 0, 0, 0], [0, 0.2, 0, 0], [0, 0, 0.2, 0], [0, 0, 0, 0.2]][fi % 4];
        const box = { left: Math.round(l * W), top: Math.round(t * H), width: Math.round((1 - l - r) * W), height: Math.round((1 - t - b) * H) };
        fam.push(await save(sharp(src).extract(box), 'crop'));
      }
      // Rotation of 4°, straightened (corners cropped).
      const ang = (rnd() < 0.5 ? -1 : 1) * (harder ? 5 : 4);
      const rot = await sharp(src).rotate(ang, { background: '#000' }).toBuffer({ resolveWithObject: true });
      const rad = (Math.abs(ang) * Math.PI) / 180;
      const k = 1 / (Math.cos(rad) + Math.sin(rad) * Math.max(W / H, H / W));
      const cw = Math.floor(W * k), ch = Math.floor(H * k);
      fam.push(await save(sharp(rot.data).extract({ left: Math.floor((rot.info.width - cw) / 2), top: Math.floor((rot.info.height - ch) / 2), width: cw, height: ch }), 'rotate'));
    } else if (family === 1) {
      // 6-frame burst: a 65 % window sliding 9 % of its own size per shot in one random direction.
      const dirA = uni(0, 2 * Math.PI);
      const win = 0.65;
      for (let f = 0; f < 6; f++) {
        const off = (f - 2.5) * (harder ? 0.1 : 0.09) * win;
        const cx = 0.5 + off * Math.cos(dirA);
        const cy = 0.5 + off * Math.sin(dirA);
        const fw = harder ? win * (1 - 0.01 * f) : win;
        const box = { left: Math.round((cx - fw / 2) * W), top: Math.round((cy - fw / 2) * H), width: Math.round(fw * W), height: Math.round(fw * H) };
        fam.push(await save(sharp(src).extract(box).resize(Math.round(win * W), Math.round(win * H)), 'burst'));
      }
    } else {
      // Letterbox with a blurred fill and with white bars, plus a mild crop + brightness combo.
      const canvasW = Math.round(Math.max(W, (H * 16) / 9));
      const canvasH = Math.round(Math.max(H, (W * 9) / 16));
      const canvasW2 = Math.max(W, H);
      const bg = await sharp(src).resize(canvasW, canvasH, { fit: 'fill' }).blur(25).toBuffer();
      fam.push(await save(sharp(bg).composite([{ input: src, gravity: 'centre' }]), 'letterbox_blur'));
      const white = await sharp({ create: { width: canvasW2, height: canvasW2, channels: 3, background: '#fff' } }).png().toBuffer();
      fam.push(await save(sharp(white).composite([{ input: src, gravity: 'centre' }]), 'letterbox_white'));
      const l = uni(0.06, 0.12), t = uni(0.06, 0.12);
      fam.push(await save(sharp(src).extract({ left: Math.round(l * W), top: Math.round(t * H), width: Math.round((1 - 2 * l) * W), height: Math.round((1 - 2 * t) * H) }).modulate({ brightness: 1.2 }).gamma(2.2, 2.6), 'combo'));
    }
    clusters.push(fam);
  }
  const singletons = [];
  for (const d of distractors) singletons.push(await save(sharp(fs.readFileSync(path.join(DEV, 'images', d))).rotate(), 'distractor'));
  const truthFile = path.join(dir, '..', 'truth.json');
  fs.writeFileSync(truthFile, JSON.stringify({ clusters, singletons, kinds, hard: [], hard_negatives: [] }));
  return truthFile;
}

