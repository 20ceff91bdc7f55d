import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { popcount64 } from './codes';
import { CANDIDATE_RADIUS, descriptorCodes, extractFeatures, FEATURE_VERSION, HASH_WINDOWS, type ImageFeatures } from './features';
import { FeatureExtractionError } from './errors';
import { verifyPair } from './verifier';

const BENCH = path.resolve(__dirname, '../../../../shared/bench');
const devImage = (name: string): Buffer => fs.readFileSync(path.join(BENCH, 'dev/images', name));
// A textured DEV photo (1600 px) used as the source of geometric variants.
const SOURCE = 'img_11291.jpg';

function isCandidate(a: ImageFeatures, b: ImageFeatures): boolean {
  const ca = descriptorCodes(a.descriptor);
  const cb = descriptorCodes(b.descriptor);
  const near = (p: BigUint64Array, q: BigUint64Array): boolean => {
    for (const x of p) for (const y of q) if (popcount64(x ^ y) <= CANDIDATE_RADIUS) return true;
    return false;
  };
  return near(ca.probes, cb.anchors) || near(cb.probes, ca.anchors);
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FeatureExtractionError);
    return (err as FeatureExtractionError).reason;
  }
  throw new Error('expected a FeatureExtractionError');
}

describe('extractFeatures', () => {
  let src: Buffer;
  let base: ImageFeatures;
  let W: number;
  let H: number;

  beforeAll(async () => {
    src = devImage(SOURCE);
    base = await extractFeatures(src);
    ({ width: W, height: H } = base);
  });

  it('reports format, size, codes within the storage budget', () => {
    expect(base.format).toBe('jpeg');
    expect(base.contentType).toBe('image/jpeg');
    expect(base.orientation).toBe(1);
    expect(W).toBeGreaterThan(H);
    const codes = descriptorCodes(base.descriptor);
    expect(codes.anchors.length).toBe(HASH_WINDOWS.anchors.length);
    expect(codes.probes.length).toBe(HASH_WINDOWS.anchors.length + HASH_WINDOWS.probes.length);
    // Every code has exactly 32 bits set (median split), so distances are even.
    for (const c of codes.probes) expect(popcount64(c)).toBe(32);
    expect([...codes.probes.slice(0, codes.anchors.length)]).toEqual([...codes.anchors]);
    expect(base.descriptor[0]).toBe(FEATURE_VERSION);
    expect(base.descriptor.length + base.verifier.length).toBeLessThanOrEqual(16 * 1024);
    for (const v of [base.score, ...Object.values(base.scoreDetails)]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('applies EXIF orientation 6: swapped size, same descriptor as the upright image', async () => {
    // Pixels stored rotated −90°, with a tag that restores them.
    const stored = await sharp(src).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toBuffer();
    const f = await extractFeatures(stored);
    expect(f.orientation).toBe(6);
    expect([f.width, f.height]).toEqual([W, H]);
    const a = descriptorCodes(base.descriptor).anchors;
    const b = descriptorCodes(f.descriptor).anchors;
    for (let i = 0; i < a.length; i++) expect(popcount64(a[i] ^ b[i])).toBeLessThanOrEqual(4);
    expect(verifyPair(base.verifier, f.verifier).match).toBe(true);
  });

  it('trims letterbox bars: a 16:9 black-barred copy is a candidate and verifies', async () => {
    const small = await sharp(src).resize({ height: 600 }).toBuffer();
    const meta = await sharp(small).metadata();
    const canvasW = Math.round((meta.height! * 16) / 9);
    const pad = Math.round((canvasW - meta.width!) / 2);
    const boxed = await sharp(small).extend({ left: pad, right: pad, background: '#000' }).jpeg().toBuffer();
    const f = await extractFeatures(boxed);
    expect(isCandidate(base, f)).toBe(true);
    expect(verifyPair(base.verifier, f.verifier).match).toBe(true);
  });

  it('verifies a 10 % crop and a 3° straightened rotation, symmetrically', async () => {
    const crop = await sharp(src)
      .extract({ left: Math.round(W * 0.1), top: Math.round(H * 0.1), width: Math.round(W * 0.8), height: Math.round(H * 0.8) })
      .jpeg()
      .toBuffer();
    const rotated = await sharp(src).rotate(3).toBuffer({ resolveWithObject: true });
    // Straightened: the largest centred window of the frame's aspect that holds no rotated-in corner.
    const rad = (3 * Math.PI) / 180;
    const k = 1 / (Math.cos(rad) + Math.sin(rad) * Math.max(W / H, H / W));
    const rot = await sharp(rotated.data)
      .extract({
        left: Math.round((rotated.info.width - W * k) / 2),
        top: Math.round((rotated.info.height - H * k) / 2),
        width: Math.round(W * k),
        height: Math.round(H * k),
      })
      .jpeg()
      .toBuffer();
    for (const buf of [crop, rot]) {
      const f = await extractFeatures(buf);
      expect(isCandidate(base, f)).toBe(true);
      const ab = verifyPair(base.verifier, f.verifier);
      const ba = verifyPair(f.verifier, base.verifier);
      expect(ab.match).toBe(true);
      expect(ba).toEqual(ab);
      expect(ab.score).toBeGreaterThan(0.5);
    }
  });

  it('makes burst frames 9 % apart and a one-sided 12 % crop candidates of each other', async () => {
    // A 70 % window sliding 9 % of the frame diagonally, and a crop cutting 12 % from the left and 2 % from the top.
    const frame = (cx: number, cy: number): Promise<Buffer> =>
      sharp(src)
        .extract({ left: Math.round((cx - 0.35) * W), top: Math.round((cy - 0.35) * H), width: Math.round(0.7 * W), height: Math.round(0.7 * H) })
        .jpeg({ quality: 90 })
        .toBuffer();
    const d = 0.09 / Math.SQRT2;
    const [f1, f2] = await Promise.all([frame(0.5 - d / 2, 0.5 - d / 2), frame(0.5 + d / 2, 0.5 + d / 2)].map(async (b) => extractFeatures(await b)));
    expect(isCandidate(f1, f2)).toBe(true);
    expect(verifyPair(f1.verifier, f2.verifier).match).toBe(true);
    const crop = await extractFeatures(
      await sharp(src)
        .extract({ left: Math.round(W * 0.12), top: Math.round(H * 0.02), width: Math.round(W * 0.88), height: Math.round(H * 0.98) })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    expect(isCandidate(base, crop)).toBe(true);
    expect(verifyPair(base.verifier, crop.verifier).match).toBe(true);
  });

  it('finds and verifies a horizontally flipped copy, symmetrically', async () => {
    const flipped = await extractFeatures(await sharp(src).flop().jpeg({ quality: 90 }).toBuffer());
    expect(isCandidate(base, flipped)).toBe(true);
    const ab = verifyPair(base.verifier, flipped.verifier);
    expect(ab.match).toBe(true);
    expect(verifyPair(flipped.verifier, base.verifier)).toEqual(ab);
  });

  it('keeps two non-overlapping crops of one photo apart', async () => {
    const w = Math.round(W * 0.45);
    const left = await sharp(src).extract({ left: 0, top: 0, width: w, height: H }).jpeg().toBuffer();
    const right = await sharp(src).extract({ left: W - w, top: 0, width: w, height: H }).jpeg().toBuffer();
    const [a, b] = await Promise.all([extractFeatures(left), extractFeatures(right)]);
    expect(verifyPair(a.verifier, b.verifier).match).toBe(false);
    expect(verifyPair(b.verifier, a.verifier).match).toBe(false);
  });

  it('does not match unrelated DEV photos', async () => {
    const other = await extractFeatures(devImage('img_10680.jpg'));
    expect(verifyPair(base.verifier, other.verifier).match).toBe(false);
  });

  it('scores a sharper image higher than its blurred copy', async () => {
    const soft = await extractFeatures(await sharp(src).blur(2).jpeg({ quality: 95 }).toBuffer());
    const blurred = await extractFeatures(await sharp(src).blur(5).jpeg({ quality: 95 }).toBuffer());
    expect(base.scoreDetails.Sharpness).toBeGreaterThan(soft.scoreDetails.Sharpness + 0.03);
    expect(soft.scoreDetails.Sharpness).toBeGreaterThan(blurred.scoreDetails.Sharpness + 0.03);
    expect(base.score).toBeGreaterThan(soft.score);
    expect(blurred.scoreDetails.Resolution).toBeCloseTo(base.scoreDetails.Resolution, 5);
  });
});

describe('extractFeatures on generated images', () => {
  it('flattens alpha onto white', async () => {
    // A fully transparent PNG must look white (black would mean alpha was dropped), like a plain white image.
    const clear = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const white = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const [a, b] = await Promise.all([extractFeatures(clear), extractFeatures(white)]);
    expect(a.format).toBe('png');
    expect(a.scoreDetails.Exposure).toBeCloseTo(b.scoreDetails.Exposure, 5);
    expect(a.verifier).toEqual(b.verifier);
  });

  it('gives specific reasons for files it cannot read', async () => {
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a6' } })
      .composite([{ input: Buffer.from('<svg width="640" height="480"><circle cx="300" cy="200" r="120" fill="#f0c"/></svg>') }])
      .jpeg()
      .toBuffer();
    expect(await reason(extractFeatures(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe('truncated image');
    expect(await reason(extractFeatures(Buffer.alloc(0)))).toBe('empty file');
    expect(await reason(extractFeatures(Buffer.from('hello, this is not an image\n'.repeat(20))))).toBe('unsupported image format');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64)]);
    expect(await reason(extractFeatures(heic))).toBe('HEIC/HEIF images are not supported by this build');
  });

  it('refuses a pixel bomb before decoding it', async () => {
    // A 20000×14000 PNG header (280 MP) over one compressed row: tiny on disk, huge if decoded.
    const chunk = (type: string, data: Buffer): Buffer => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(body));
      return Buffer.concat([len, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(20000, 0);
    ihdr.writeUInt32BE(14000, 4);
    ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(Buffer.alloc(20001))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const t = Date.now();
    expect(await reason(extractFeatures(bomb))).toBe('image exceeds pixel limit (100000000 px)');
    expect(await reason(extractFeatures(bomb, { limitInputPixels: 1_000_000 }))).toBe('image exceeds pixel limit (1000000 px)');
    expect(Date.now() - t).toBeLessThan(1000);
  });
});
