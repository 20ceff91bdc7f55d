import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, ExitCode } from './exit-codes';
import { collectImages, isImagePath, toFileUri } from './image-files';

let dir: string;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'simclust-cli-walk-')));
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  for (const name of ['a.jpg', 'B.JPEG', 'c.png', 'notes.txt', 'nested/d.webp', 'nested/e.HEIC', 'nested/deeper/f.tiff', 'nested/deeper/g.tif', 'nested/readme']) {
    await writeFile(join(dir, name), 'x');
  }
  // A loop back to the top must not be walked forever.
  await symlink(dir, join(dir, 'nested', 'loop'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('isImagePath', () => {
  it('knows the image extensions whatever their case, and nothing else', () => {
    for (const name of ['x.jpg', 'x.JPG', 'x.jpeg', 'x.png', 'x.webp', 'x.gif', 'x.avif', 'x.tif', 'x.TIFF', 'x.heic']) expect(isImagePath(name)).toBe(true);
    for (const name of ['x.txt', 'x', 'jpg', 'x.jpg.bak', 'x.svg']) expect(isImagePath(name)).toBe(false);
  });
});

describe('collectImages', () => {
  it('walks folders recursively, keeps image extensions only, sorted, each file once', async () => {
    const found = await collectImages([dir, join(dir, 'nested')]);
    expect(found).toEqual(
      ['B.JPEG', 'a.jpg', 'c.png', 'nested/d.webp', 'nested/deeper/f.tiff', 'nested/deeper/g.tif', 'nested/e.HEIC'].map((n) => join(dir, n)),
    );
  });

  it('takes a file named directly as given, image extension or not', async () => {
    expect(await collectImages([join(dir, 'notes.txt'), join(dir, 'a.jpg')])).toEqual([join(dir, 'a.jpg'), join(dir, 'notes.txt')]);
  });

  it('finds nothing in a folder without images', async () => {
    expect(await collectImages([join(dir, 'empty')])).toEqual([]);
  });

  it('refuses a missing path as a usage error naming it', async () => {
    const err = await collectImages([join(dir, 'missing')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.Usage);
    expect((err as CliError).message).toBe(`${join(dir, 'missing')}: no such file or folder`);
  });
});

describe('toFileUri', () => {
  it('makes an absolute, percent-encoded file:// URI that decodes back to the path', () => {
    const path = join(dir, 'with space #1.jpg');
    const uri = toFileUri(path);
    expect(uri).toBe(`file://${dir}/with%20space%20%231.jpg`);
    expect(fileURLToPath(uri)).toBe(path);
  });
});
