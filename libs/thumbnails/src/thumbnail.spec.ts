import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { THUMBNAIL_LONG_SIDE, ThumbnailKeyError, removeThumbnail, thumbnailPath, writeThumbnail } from './thumbnail';

const KEY = 'ab12'.padEnd(64, 'c');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'simclust-thumbs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A JPEG whose left half is black and right half white, so its orientation shows in its pixels. */
async function halfBlackJpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const half = await sharp({ create: { width: width / 2, height, channels: 3, background: '#000000' } }).png().toBuffer();
  let image = sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite([{ input: half, left: 0, top: 0 }]).jpeg();
  if (orientation) image = image.withMetadata({ orientation });
  return image.toBuffer();
}

function allFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('thumbnailPath', () => {
  it('shards by the first four characters of the key', () => {
    expect(thumbnailPath('/t', KEY)).toBe(`/t/ab/12/${KEY}.webp`);
  });

  it('refuses keys that could leave the directory or are empty', () => {
    for (const bad of ['../../etc/passwd', 'a/b/c/d', '', 'abc', 'x'.repeat(129), 'ab 12cd']) {
      expect(() => thumbnailPath('/t', bad)).toThrow(ThumbnailKeyError);
    }
  });
});

describe('writeThumbnail', () => {
  it('writes a WebP of at most 320 px on its long side at the sharded path', async () => {
    const written = await writeThumbnail(await halfBlackJpeg(1000, 500), dir, KEY);
    expect(written.path).toBe(thumbnailPath(dir, KEY));
    const meta = await sharp(await readFile(written.path)).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([THUMBNAIL_LONG_SIDE, 160]);
    expect(written).toMatchObject({ width: 320, height: 160, bytes: statSync(written.path).size });
  });

  it('never enlarges a small image', async () => {
    const written = await writeThumbnail(await halfBlackJpeg(100, 60), dir, KEY);
    expect([written.width, written.height]).toEqual([100, 60]);
  });

  it('turns the image upright per its EXIF orientation', async () => {
    // Stored landscape, black on the left; orientation 6 means "rotate 90° clockwise to view".
    const written = await writeThumbnail(await halfBlackJpeg(400, 200, 6), dir, KEY);
    expect([written.width, written.height]).toEqual([160, 320]);
    const { data, info } = await sharp(written.path).greyscale().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => data[y * info.width + x];
    // After the clockwise turn the black half is on top.
    expect(at(80, 20)).toBeLessThan(40);
    expect(at(80, 300)).toBeGreaterThan(215);
  });

  it('flattens transparency onto white', async () => {
    const transparent = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const written = await writeThumbnail(transparent, dir, KEY);
    const { data, info } = await sharp(written.path).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect(Math.min(...data)).toBeGreaterThan(245);
  });

  it('replaces an existing thumbnail and leaves no temporary file behind', async () => {
    await writeThumbnail(await halfBlackJpeg(1000, 500), dir, KEY);
    const second = await writeThumbnail(await halfBlackJpeg(200, 400), dir, KEY);
    expect([second.width, second.height]).toEqual([160, 320]);
    expect(allFiles(dir)).toEqual([relative(dir, thumbnailPath(dir, KEY))]);
  });

  it('encodes already decoded pixels as they are, shrinking only what is larger than a thumbnail', async () => {
    // 400×200 RGB, black left half: a raw raster is taken as upright (no EXIF to apply).
    const width = 400;
    const height = 200;
    const pixels = new Uint8Array(width * height * 3).fill(255);
    for (let y = 0; y < height; y++) pixels.fill(0, y * width * 3, (y * width + width / 2) * 3);
    const written = await writeThumbnail({ data: pixels, width, height, channels: 3 }, dir, KEY);
    expect([written.width, written.height]).toEqual([320, 160]);
    const { data, info } = await sharp(written.path).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(data[80 * info.width + 40]).toBeLessThan(40);
    expect(data[80 * info.width + 280]).toBeGreaterThan(215);
    const small = await writeThumbnail({ data: new Uint8Array(30 * 20).fill(128), width: 30, height: 20, channels: 1 }, dir, KEY);
    expect([small.width, small.height]).toEqual([30, 20]);
  });

  it('rejects bytes that are not an image and writes nothing', async () => {
    await expect(writeThumbnail(Buffer.from('not an image at all'), dir, KEY)).rejects.toThrow(/unsupported image format/);
    const jpeg = await halfBlackJpeg(400, 200);
    await expect(writeThumbnail(jpeg.subarray(0, jpeg.length / 2), dir, KEY)).rejects.toThrow();
    expect(allFiles(dir)).toEqual([]);
  });

  it('refuses an image above the pixel limit before decoding it', async () => {
    await expect(writeThumbnail(await halfBlackJpeg(400, 200), dir, KEY, { limitInputPixels: 1000 })).rejects.toThrow(/pixel limit/);
  });
});

describe('removeThumbnail', () => {
  it('removes a thumbnail once and says whether there was one', async () => {
    await writeThumbnail(await halfBlackJpeg(100, 60), dir, KEY);
    await expect(removeThumbnail(dir, KEY)).resolves.toBe(true);
    await expect(removeThumbnail(dir, KEY)).resolves.toBe(false);
  });
});
