import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { InProcessExtractionPool, ThreadExtractionPool, type ExtractionPool } from './extraction-pool';
import type { ExtractionResult } from './file-extraction';

jest.setTimeout(60_000);

const LIMIT = 40_000_000;
const TEST_DIR = join(__dirname, '..', 'test');

async function photo(seed: number, width = 320, height = 240): Promise<sharp.Sharp> {
  return sharp({ create: { width, height, channels: 3, background: { r: (seed * 53) % 256, g: 90, b: 160 }, noise: { type: 'gaussian', mean: 120, sigma: 30 + seed } } });
}

/** A mix of good and bad files, each a fresh Buffer (the pool may move them to a thread). */
async function samples(): Promise<Array<[string, () => Buffer]>> {
  const jpeg = await (await photo(1)).jpeg().toBuffer();
  const png = await (await photo(2, 200, 150)).ensureAlpha(0.5).png().toBuffer();
  const webp = await (await photo(3)).webp().toBuffer();
  const copy = (b: Buffer) => () => Buffer.from(b);
  return [
    ['jpeg', copy(jpeg)],
    ['png with alpha', copy(png)],
    ['webp', copy(webp)],
    ['truncated jpeg', copy(jpeg.subarray(0, 2000))],
    ['truncated png', copy(png.subarray(0, 3000))],
    ['text', copy(Buffer.from('not an image at all, only text\n'))],
  ];
}

const comparable = (r: ExtractionResult) =>
  r.kind === 'extracted' ? { ...r, features: { ...r.features, descriptor: Buffer.from(r.features.descriptor).toString('hex'), verifier: Buffer.from(r.features.verifier).toString('hex') } } : r;

describe('ThreadExtractionPool (worker threads running the TypeScript thread script)', () => {
  let threaded: ExtractionPool;
  const inProcess = new InProcessExtractionPool();
  beforeAll(() => {
    threaded = new ThreadExtractionPool({ threads: 2, perThread: 2, script: join(__dirname, '..', '..', '..', 'jest.thread-shim.cjs'), workerData: { script: join(__dirname, 'extraction.thread.ts') } });
  });
  afterAll(() => threaded.close());

  it('gives exactly what the in-process path gives, for good and bad files', async () => {
    const files = await samples();
    const inThreads = await Promise.all(files.map(([, bytes]) => threaded.run({ bytes: bytes(), limitInputPixels: LIMIT })));
    const here: ExtractionResult[] = [];
    for (const [, bytes] of files) here.push(await inProcess.run({ bytes: bytes(), limitInputPixels: LIMIT }));
    expect(inThreads.map(comparable)).toEqual(here.map(comparable));
    expect(Object.fromEntries(files.map(([name], i) => [name, inThreads[i].kind === 'failed' ? inThreads[i].reason : inThreads[i].kind]))).toEqual({
      jpeg: 'extracted',
      'png with alpha': 'extracted',
      webp: 'extracted',
      'truncated jpeg': 'Truncated image.',
      'truncated png': 'Truncated image.',
      text: 'Unsupported image format.',
    });
    expect(inThreads[0].fileHash).toBe(createHash('sha256').update(files[0][1]()).digest('hex'));
  });

  it('skips extraction when the bytes are the ones already indexed', async () => {
    const [[, jpeg]] = await samples();
    const hash = createHash('sha256').update(jpeg()).digest('hex');
    expect(await threaded.run({ bytes: jpeg(), limitInputPixels: LIMIT, indexedHash: hash })).toEqual({ kind: 'unchanged', fileHash: hash });
  });

  it('names every cut-off file a truncated image when many decodes fail at once', async () => {
    const files = (await samples()).filter(([name]) => name.startsWith('truncated'));
    const many = Array.from({ length: 12 }, (_, i) => files[i % files.length][1]());
    const results = await Promise.all(many.map((bytes) => threaded.run({ bytes, limitInputPixels: LIMIT })));
    expect(results.map((r) => (r.kind === 'failed' ? r.reason : r.kind))).toEqual(many.map(() => 'Truncated image.'));
  });
});

describe('ThreadExtractionPool failures', () => {
  it('fails only the requests of a thread that dies, and replaces the thread', async () => {
    const pool = new ThreadExtractionPool({ threads: 1, perThread: 1, script: join(TEST_DIR, 'exiting-thread.js') });
    try {
      const dying = pool.run({ bytes: Buffer.alloc(1), limitInputPixels: LIMIT });
      const queued = pool.run({ bytes: Buffer.alloc(5), limitInputPixels: LIMIT });
      await expect(dying).rejects.toThrow(/the extraction thread stopped: the extraction thread exited with code 3/);
      expect(await queued).toEqual({ kind: 'unchanged', fileHash: 'len-5' });
    } finally {
      await pool.close();
    }
  });

  it('rejects work instead of waiting for ever when its thread script cannot start', async () => {
    const pool = new ThreadExtractionPool({ threads: 2, perThread: 2, script: join(TEST_DIR, 'no-such-thread.js') });
    try {
      await expect(pool.run({ bytes: Buffer.alloc(5), limitInputPixels: LIMIT })).rejects.toThrow(/the extraction thread stopped: .*no-such-thread/);
      await expect(pool.run({ bytes: Buffer.alloc(5), limitInputPixels: LIMIT })).rejects.toThrow(/the extraction thread stopped/);
    } finally {
      await pool.close();
    }
  });
});
