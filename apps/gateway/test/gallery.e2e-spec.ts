// The gallery's server side against the real gateway and indexer: the page and its assets under a self-only CSP,
// thumbnails written by the indexer, and signed image URLs minted and checked with QuerySimilarImageClusters' rights.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { SecretBox } from '@simclust/secrets';
import { thumbnailPath } from '@simclust/thumbnails';
import type { ImmClient } from '@simclust/testing';
import { imageUrlSigningKey } from '../src/thumbnails/image-access.service';
import { ImageUrlSigner } from '../src/thumbnails/image-url-signer';
import { newGalleryDataset, startGalleryStack, type GalleryStack } from './browser/gallery.harness';
import { expectImmError, http } from './imm-expect';

jest.setTimeout(60_000);

let stack: GalleryStack;
let admin: ImmClient;
let ds: Awaited<ReturnType<typeof newGalleryDataset>>;
let other: Awaited<ReturnType<typeof newGalleryDataset>>;
const uri = (name: string) => `file://${join(stack.scratchDir, name)}`;

interface SignedImage {
  URI: string;
  ThumbnailURL: string;
  ImageURL?: string;
}
interface ImageUrls {
  RequestId: string;
  AccessKeyId: string;
  Expires: string;
  Images: SignedImage[];
}

const mint = (body: object, key?: string | null) => http(stack.gateway.url, '/gallery/image-urls', { method: 'POST', body, key });
async function minted(body: object, key?: string): Promise<ImageUrls> {
  const res = await mint(body, key);
  if (res.status !== 200) throw new Error(`image-urls answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as unknown as ImageUrls;
}
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.gateway.url}${path}`, { headers });
const errorOf = async (res: Response) => ({ status: res.status, body: (await res.json()) as unknown });

beforeAll(async () => {
  stack = await startGalleryStack({ clustering: false });
  admin = stack.client;
  // Landscape pixels with EXIF orientation 6: upright, the thumbnail is portrait.
  await sharp({ create: { width: 800, height: 400, channels: 3, background: '#3a6ea5' } }).jpeg().withMetadata({ orientation: 6 }).toFile(join(stack.scratchDir, 'turned.jpg'));
  await sharp({ create: { width: 1200, height: 900, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 0.5 } } }).png().toFile(join(stack.scratchDir, 'alpha.png'));
  writeFileSync(join(stack.scratchDir, 'notes.jpg'), 'not an image');
  ds = await newGalleryDataset(admin, 'gal');
  other = await newGalleryDataset(admin, 'gal');
  const indexed = await ds.index([uri('turned.jpg'), uri('alpha.png'), uri('notes.jpg'), 'http://127.0.0.1:9/gone.jpg']);
  expect(indexed.Status).toBe('Succeeded');
  await other.index([uri('alpha.png')]);
});
afterAll(() => stack?.close());

describe('the page', () => {
  it('is server-rendered HTML whose only script and style come from the gateway, under a self-only CSP', async () => {
    const res = await get('/gallery');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toMatch(/<script src="\/gallery\/app\.js\?v=[\w-]+" defer><\/script>/);
    // No inline script: every <script> has a src.
    expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
    for (const id of ['sign-in-form', 'access-key-secret', 'project', 'dataset', 'sort', 'order', 'clusters', 'start-clustering', 'running-tasks', 'recent-tasks', 'compare']) {
      expect(html).toContain(`id="${id}"`);
    }
  });

  it('serves its script and stylesheet with types, the CSP and revalidation by ETag', async () => {
    const script = await get('/gallery/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("sessionStorage.getItem(KEY_STORAGE)");
    const etag = script.headers.get('etag')!;
    // A browser revalidates with max-age=0 (fetch() would add no-cache, which Express always answers in full).
    expect((await get('/gallery/app.js', { 'if-none-match': etag, 'cache-control': 'max-age=0' })).status).toBe(304);
    const style = await get('/gallery/app.css');
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);
    expect(style.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('thumbnails written by the indexer', () => {
  it('writes an upright WebP of at most 320 px for each indexed file, none for a failed one', async () => {
    const urls = await minted({ ...ds.key, URIs: [uri('turned.jpg'), uri('alpha.png')] });
    const [turned, alpha] = await Promise.all(urls.Images.map(async (image) => sharp(Buffer.from(await (await get(image.ThumbnailURL)).arrayBuffer())).metadata()));
    expect([turned.format, turned.width, turned.height]).toEqual(['webp', 160, 320]);
    expect([alpha.format, alpha.width, alpha.height, alpha.hasAlpha]).toEqual(['webp', 320, 240, false]);
    const notes = (await minted({ ...ds.key, URIs: [uri('notes.jpg')] })).Images[0];
    expectImmError(await errorOf(await get(notes.ThumbnailURL)), 404, 'ResourceNotFound', /file/);
  });
});

describe('signed image URLs', () => {
  it('are minted for the files asked for, originals only for file:// URIs', async () => {
    const urls = await minted({ ...ds.key, URIs: [uri('turned.jpg'), 'http://127.0.0.1:9/gone.jpg'] });
    expect(urls.AccessKeyId).toBe('admin');
    expect(Date.parse(urls.Expires) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(urls.Images[0]).toEqual({
      URI: uri('turned.jpg'),
      ThumbnailURL: expect.stringMatching(new RegExp(`^/thumbnails/${ds.key.ProjectName}/${ds.key.DatasetName}/[0-9a-f]{64}\\.webp\\?key=admin&expires=\\d+&signature=[\\w-]{43}$`)),
      ImageURL: expect.stringMatching(/^\/images\/.+\?key=admin&expires=\d+&signature=[\w-]{43}$/),
    });
    expect(urls.Images[1]).toEqual({ URI: 'http://127.0.0.1:9/gone.jpg', ThumbnailURL: expect.any(String) });
    // The http(s) file failed to index, so even its thumbnail URL finds nothing.
    expect((await get(urls.Images[1].ThumbnailURL)).status).toBe(404);
  });

  it('serve thumbnails privately cacheable with an ETag, and 304 when it matches', async () => {
    const [image] = (await minted({ ...ds.key, URIs: [uri('turned.jpg')] })).Images;
    const res = await get(image.ThumbnailURL);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(14 * 60);
    expect(maxAge).toBeLessThanOrEqual(20 * 60);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get(image.ThumbnailURL, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
  });

  it('serve the original bytes of a file:// image with its sniffed type', async () => {
    const [image] = (await minted({ ...ds.key, URIs: [uri('alpha.png')] })).Images;
    const res = await get(image.ImageURL!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(stack.scratchDir, 'alpha.png')))).toBe(true);
    expect((await get(image.ImageURL!, { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
  });

  it('refuse unsigned, altered, moved and expired URLs', async () => {
    const [image] = (await minted({ ...ds.key, URIs: [uri('alpha.png')] })).Images;
    const url = new URL(image.ThumbnailURL, stack.gateway.url);
    const variant = (change: (u: URL) => void) => {
      const copy = new URL(url);
      change(copy);
      return copy.pathname + copy.search;
    };
    const signature = url.searchParams.get('signature')!;
    const cases = [
      variant((u) => (u.search = '')),
      variant((u) => u.searchParams.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1))),
      variant((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))),
      variant((u) => u.searchParams.set('key', 'LTAI00000000000000000000')),
      // The same file id under another dataset of the same caller.
      variant((u) => (u.pathname = u.pathname.replace(ds.key.DatasetName, other.key.DatasetName))),
      // A thumbnail's signature does not open the original.
      variant((u) => (u.pathname = u.pathname.replace('/thumbnails/', '/images/').replace(/\.webp$/, ''))),
    ];
    for (const path of cases) expectImmError(await errorOf(await get(path)), 401, 'InvalidAccessKeyId');

    const fileId = /([0-9a-f]{64})\.webp/.exec(url.pathname)![1];
    const signer = new ImageUrlSigner(imageUrlSigningKey(new SecretBox(process.env.SECRETS_KEY!)));
    const expires = Math.floor(Date.now() / 1000) - 1;
    const grant = { kind: 'thumbnail' as const, accessKeyId: 'admin', projectName: ds.key.ProjectName, datasetName: ds.key.DatasetName, fileId, expires };
    const expired = `${url.pathname}?key=admin&expires=${expires}&signature=${signer.sign(grant)}`;
    expectImmError(await errorOf(await get(expired)), 401, 'InvalidAccessKeyId', /expired/);
    // The same signer with a live expiry is accepted: the refusal above is the expiry alone.
    const live = { ...grant, expires: signer.expiry() };
    expect((await get(`${url.pathname}?key=admin&expires=${live.expires}&signature=${signer.sign(live)}`)).status).toBe(200);
  });

  it('stop finding a file once it is deleted', async () => {
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#0a0' } }).png().toFile(join(stack.scratchDir, 'spare.png'));
    expect((await ds.index([uri('spare.png')])).Status).toBe('Succeeded');
    const [image] = (await minted({ ...ds.key, URIs: [uri('spare.png')] })).Images;
    expect((await get(image.ThumbnailURL)).status).toBe(200);
    await admin.ok('DeleteFileMeta', { ...ds.key, URI: uri('spare.png') });
    expectImmError(await errorOf(await get(image.ThumbnailURL)), 404, 'ResourceNotFound');
  });

  it('answer bad minting requests with IMM errors', async () => {
    expectImmError(await mint({ ...ds.key, URIs: [uri('alpha.png')] }, null), 401, 'InvalidAccessKeyId');
    expectImmError(await mint({ ...ds.key, URIs: [uri('alpha.png')] }, 'not-a-key'), 401, 'InvalidAccessKeyId');
    expectImmError(await mint({ ProjectName: ds.key.ProjectName, URIs: [uri('alpha.png')] }), 400, 'MissingDatasetName');
    expectImmError(await mint({ ...ds.key, URIs: [] }), 400, 'InvalidURIs');
    expectImmError(await mint({ ...ds.key, URIs: Array.from({ length: 1001 }, (_, i) => `file:///x/${i}.jpg`) }), 400, 'LimitExceededError');
    expectImmError(await mint({ ...ds.key, DatasetName: 'nope', URIs: [uri('alpha.png')] }), 404, 'ResourceNotFound', /dataset/);
    expectImmError(await mint({ ...ds.key, URIs: 'not json' }), 400, 'InvalidJSON');
  });
});

describe('authorisation of images follows QuerySimilarImageClusters', () => {
  const datasetResource = (p: string, d: string) => `acs:imm:*:*:project/${p}/dataset/${d}`;
  async function keyWith(Statement: object[]) {
    const created = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', { Policy: { Version: '1', Statement } });
    return { id: created.AccessKey.AccessKeyId, secret: created.AccessKey.AccessKeySecret };
  }

  it('mints for a dataset the key may query, refuses others, and URLs die with the key', async () => {
    const key = await keyWith([{ Effect: 'Allow', Action: 'imm:QuerySimilarImageClusters', Resource: datasetResource(ds.key.ProjectName, ds.key.DatasetName) }]);
    const urls = await minted({ ...ds.key, URIs: [uri('alpha.png')] }, key.secret);
    expect(urls.AccessKeyId).toBe(key.id);
    expect(urls.Images[0].ThumbnailURL).toContain(`key=${key.id}&`);
    expect((await get(urls.Images[0].ThumbnailURL)).status).toBe(200);
    expectImmError(await mint({ ...other.key, URIs: [uri('alpha.png')] }, key.secret), 403, 'AccessDenied', /QuerySimilarImageClusters/);

    await admin.ok('DeleteAccessKey', { AccessKeyId: key.id });
    expectImmError(await errorOf(await get(urls.Images[0].ThumbnailURL)), 401, 'InvalidAccessKeyId', /no longer exists/);
  });

  it('refuses a key without QuerySimilarImageClusters, and one whose policy changed after minting', async () => {
    const reader = await keyWith([{ Effect: 'Allow', Action: ['imm:GetDataset', 'imm:ListDatasets'], Resource: '*' }]);
    expectImmError(await mint({ ...ds.key, URIs: [uri('alpha.png')] }, reader.secret), 403, 'AccessDenied');

    const allow = { Effect: 'Allow', Action: 'imm:QuerySimilarImageClusters', Resource: '*' };
    const key = await keyWith([allow]);
    const [image] = (await minted({ ...ds.key, URIs: [uri('alpha.png')] }, key.secret)).Images;
    expect((await get(image.ImageURL!)).status).toBe(200);
    const deny = { Effect: 'Deny', Action: 'imm:QuerySimilarImageClusters', Resource: datasetResource(ds.key.ProjectName, ds.key.DatasetName) };
    await admin.ok('UpdateAccessKey', { AccessKeyId: key.id, Policy: { Version: '1', Statement: [allow, deny] } });
    expectImmError(await errorOf(await get(image.ImageURL!)), 403, 'AccessDenied');
  });
});

describe('thumbnail storage', () => {
  it('keeps thumbnails under THUMBNAIL_DIR at the path sharded from the File ObjectId', async () => {
    const [image] = (await minted({ ...ds.key, URIs: [uri('turned.jpg')] })).Images;
    const fileId = /([0-9a-f]{64})\.webp/.exec(image.ThumbnailURL)![1];
    const onDisk = readFileSync(thumbnailPath(stack.thumbnailDir, fileId));
    expect(Buffer.from(await (await get(image.ThumbnailURL)).arrayBuffer()).equals(onDisk)).toBe(true);
  });
});
