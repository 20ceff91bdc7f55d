/// <reference lib="dom" />
// The gallery in a real browser: Debian's Chromium driven by playwright-core against the real gateway, indexer and
// clustering worker. Part of the DEV bench is indexed and clustered through the API, then the page is used as a
// person would: a wrong key, sign-in, a dataset's clusters, comparison, a clustering task, a 320 px screen.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, uniqueName, type ImmClient } from '@simclust/testing';
import { DEV_DIR, DEV_IMAGES, newGalleryDataset, startGalleryStack, type GalleryStack } from './gallery.harness';

jest.setTimeout(90_000);

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

interface Truth {
  clusters: string[][];
  singletons: string[];
}
const truth = JSON.parse(readFileSync(join(DEV_DIR, 'truth.json'), 'utf8')) as Truth;
const devUri = (name: string) => `file://${join(DEV_IMAGES, name)}`;
/** About 30 files: four families and six singletons; a fifth family is indexed later, from the page's task. */
const FIRST = [...truth.clusters.slice(0, 4).flat(), ...truth.singletons.slice(0, 6)];
const LATER = truth.clusters[4];

let stack: GalleryStack;
let admin: ImmClient;
let browser: Browser;
let page: Page;
let ds: Awaited<ReturnType<typeof newGalleryDataset>>;
let emptyDataset: string;

async function apiClusterCount(): Promise<number> {
  let count = 0;
  let NextToken: string | undefined;
  do {
    const answer = await admin.ok<{ SimilarImageClusters: unknown[]; NextToken?: string }>('QuerySimilarImageClusters', { ...ds.key, MaxResults: 100, NextToken });
    count += answer.SimilarImageClusters.length;
    NextToken = answer.NextToken;
  } while (NextToken);
  return count;
}

/** Every thumbnail on the page has finished loading with real pixels. */
const thumbnailsLoaded = () =>
  page.waitForFunction(() => {
    const images = [...document.querySelectorAll<HTMLImageElement>('#clusters img')];
    return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
  });

async function chooseDataset(name: string): Promise<void> {
  await page.selectOption('#dataset', name);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  mkdirSync(ARTIFACTS, { recursive: true });
  [stack, browser] = await Promise.all([
    startGalleryStack({ clustering: true }),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }),
  ]);
  admin = stack.client;
  ds = await newGalleryDataset(admin, 'browser');
  emptyDataset = uniqueName('browser_empty');
  await admin.ok('CreateDataset', { ProjectName: ds.key.ProjectName, DatasetName: emptyDataset });
  expect((await ds.index(FIRST.map(devUri))).Status).toBe('Succeeded');
  expect((await ds.cluster()).Status).toBe('Succeeded');
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${stack.gateway.url}/gallery`);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

test('a wrong key shows a clear message and keeps the sign-in form', async () => {
  await page.fill('#access-key-secret', 'not-the-right-key-at-all');
  await page.click('#sign-in-button');
  const message = page.locator('#message');
  await message.waitFor({ state: 'visible' });
  expect(await message.textContent()).toMatch(/refused this access key: .*unknown/i);
  expect(await page.isVisible('#sign-in-form')).toBe(true);
  expect(await page.isHidden('#workspace')).toBe(true);
});

test('signed in, a dataset shows the same clusters as the API, best shot first and marked, every thumbnail loaded', async () => {
  await page.fill('#access-key-secret', process.env.ADMIN_API_KEY!);
  await page.click('#sign-in-button');
  await page.locator('#workspace').waitFor({ state: 'visible' });
  expect(await page.evaluate(() => sessionStorage.getItem('simclust.gallery.key'))).toBe(process.env.ADMIN_API_KEY);
  await page.selectOption('#project', ds.key.ProjectName);
  await page.waitForSelector(`#dataset option[value="${ds.key.DatasetName}"]`, { state: 'attached' });
  await chooseDataset(ds.key.DatasetName);

  const expected = await apiClusterCount();
  expect(expected).toBeGreaterThanOrEqual(3);
  await page.waitForFunction((n) => document.querySelectorAll('#clusters > li.cluster').length === n, expected);
  await thumbnailsLoaded();
  expect(await page.textContent('#who')).toBe('Signed in as admin');

  const clusters = await page.$$eval('#clusters > li.cluster', (items) =>
    items.map((item) => ({
      firstIsBest: item.querySelector('.thumb')?.classList.contains('best') ?? false,
      firstBadge: item.querySelector('.thumb .badge')?.textContent ?? '',
      badges: item.querySelectorAll('.badge').length,
      scores: [...item.querySelectorAll('.thumb .score dd:first-of-type')].map((dd) => Number(dd.textContent)),
      details: item.querySelector('.thumb .score')?.textContent ?? '',
      alts: [...item.querySelectorAll('img')].map((img) => img.getAttribute('alt') ?? ''),
    })),
  );
  for (const cluster of clusters) {
    expect(cluster.firstIsBest).toBe(true);
    expect(cluster.firstBadge).toBe('Best shot');
    expect(cluster.badges).toBe(1);
    expect(cluster.scores[0]).toBe(Math.max(...cluster.scores));
    expect(cluster.details).toMatch(/Sharpness[\d.]+Exposure[\d.]+Resolution[\d.]+/);
    expect(cluster.alts[0]).toMatch(/^img_\d+\.\w+, best shot, score [\d.]+$/);
    for (const alt of cluster.alts) expect(alt).toMatch(/^img_\d+\.\w+/);
  }
  await page.screenshot({ path: join(ARTIFACTS, 'gallery-desktop.png'), fullPage: true });
  await page.screenshot({ path: join(ARTIFACTS, 'gallery.png') });
});

test('the keyboard reaches a thumbnail and opens the side-by-side comparison at full size', async () => {
  await page.focus('#page-size');
  let reached = false;
  // From the last control before the clusters, Tab walks into the first cluster.
  for (let i = 0; i < 4 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.matches('#clusters button') ?? false);
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  const dialog = page.locator('#compare');
  await dialog.waitFor({ state: 'visible' });
  await page.waitForFunction(() => {
    const images = [...document.querySelectorAll<HTMLImageElement>('#compare .frame img')];
    return images.length === 2 && images.every((img) => img.complete && img.naturalWidth > 0);
  });
  const shown = await page.$$eval('#compare .frame img', (images) => images.map((img) => ({ src: (img as HTMLImageElement).getAttribute('src') ?? '', width: (img as HTMLImageElement).naturalWidth })));
  // Originals, not thumbnails: full size is wider than the 320 px thumbnails for these photos.
  for (const image of shown) expect(image.src).toMatch(/^\/images\//);
  expect(Math.max(...shown.map((s) => s.width))).toBeGreaterThan(320);
  expect(await page.textContent('#compare')).toContain('Best shot');
  await page.screenshot({ path: join(ARTIFACTS, 'gallery-compare.png') });
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
});

test('a dataset without clusters says so', async () => {
  await chooseDataset(emptyDataset);
  await page.waitForFunction(() => /has no clusters yet/.test(document.querySelector('#cluster-status')?.textContent ?? ''));
  expect(await page.$$('#clusters > li')).toHaveLength(0);
});

test('a clustering task started from the page ends Succeeded in the task panel, and the new cluster shows', async () => {
  await chooseDataset(ds.key.DatasetName);
  await thumbnailsLoaded();
  expect((await ds.index(LATER.map(devUri))).Status).toBe('Succeeded');
  await page.click('#start-clustering');
  // The task may already be over by the time this looks, so its id is read from the element, not from "started".
  const taskId = (await (await page.waitForSelector('#task-status[data-task-id]')).getAttribute('data-task-id'))!;
  expect(taskId).toMatch(/^SimilarImageClustering-/);
  await page.waitForSelector(`#recent-tasks li[data-task-id="${taskId}"][data-status="Succeeded"]`, { timeout: 60_000 });
  expect(await page.textContent(`#recent-tasks li[data-task-id="${taskId}"] .status`)).toBe('Succeeded');
  expect(await page.textContent('#task-status')).toBe(`Clustering task ${taskId} Succeeded.`);

  const expected = await apiClusterCount();
  await page.waitForFunction((n) => document.querySelectorAll('#clusters > li.cluster').length === n, expected);
  await thumbnailsLoaded();
});

test('at 320 px wide the page has no horizontal overflow', async () => {
  await page.setViewportSize({ width: 320, height: 800 });
  await thumbnailsLoaded();
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
  await page.screenshot({ path: join(ARTIFACTS, 'gallery-320px.png'), fullPage: true });
});
