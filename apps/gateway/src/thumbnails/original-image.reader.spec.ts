import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { OriginalImageReader, sniffImageType } from './original-image.reader';

let base: string;
let root: string;
let outside: string;

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'simclust-originals-')));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
  writeFileSync(join(root, 'a.jpg'), jpeg);
  writeFileSync(join(root, 'notes.jpg'), 'just text');
  writeFileSync(join(outside, 'secret.jpg'), jpeg);
  symlinkSync(join(outside, 'secret.jpg'), join(root, 'link.jpg'));
  mkdirSync(join(root, 'dir.jpg'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const uri = (path: string) => pathToFileURL(path).href;

describe('OriginalImageReader', () => {
  it('opens an image inside the roots with its sniffed type and size', async () => {
    const reader = await OriginalImageReader.create([root]);
    const opened = await reader.open(uri(join(root, 'a.jpg')));
    try {
      expect(opened.contentType).toBe('image/jpeg');
      expect(opened.size).toBeGreaterThan(100);
    } finally {
      await opened.handle.close();
    }
  });

  it('refuses paths outside the roots, also through a symlink or ..', async () => {
    const reader = await OriginalImageReader.create([root]);
    await expect(reader.open(uri(join(outside, 'secret.jpg')))).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(reader.open(uri(join(root, 'link.jpg')))).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(reader.open(`file://${root}/../outside/secret.jpg`)).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('answers not found for missing files, directories, non-images and http(s) originals', async () => {
    const reader = await OriginalImageReader.create([root]);
    for (const u of [uri(join(root, 'gone.jpg')), uri(join(root, 'dir.jpg')), uri(join(root, 'notes.jpg')), 'https://example.com/a.jpg']) {
      await expect(reader.open(u)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    }
  });

  it('admits nothing when no root exists', async () => {
    const reader = await OriginalImageReader.create([join(base, 'missing-root')]);
    await expect(reader.open(uri(join(root, 'a.jpg')))).rejects.toMatchObject({ code: 'AccessDenied' });
  });
});

describe('sniffImageType', () => {
  it('recognises formats by their first bytes only', () => {
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffImageType(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(Buffer.from('\0\0\0\x1cftypavif', 'latin1'))).toBe('image/avif');
    expect(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('<html>'))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
  });
});
