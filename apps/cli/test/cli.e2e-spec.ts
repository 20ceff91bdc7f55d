// The built `simclust` CLI as a user runs it (through tools/cli/bin/simclust.js), against the four built apps
// started by startStack on their own ports and NATS region, over a generated folder of images.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { ImmClient, REPO_ROOT, freePort, startStack, uniqueName, type Stack } from '@simclust/testing';

jest.setTimeout(60_000);

const APPS = ['gateway', 'indexer', 'clustering-worker', 'notifications', 'cli'];
const BIN = join(REPO_ROOT, 'tools', 'cli', 'bin', 'simclust.js');
const DEV_IMAGES = '/work/shared/bench/dev/images';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let stack: Stack;
let client: ImmClient;
let work: string;
let photos: string;
const ProjectName = uniqueName('clip');
const DatasetName = uniqueName('clid');
const uri = (name: string) => pathToFileURL(join(photos, name)).href;
const BURST = ['burst.jpg', 'burst-reencoded.JPG', 'nested/burst-cropped.png'];

function simclust(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: work, env: { ...process.env, SIMCLUST_ENDPOINT: stack.url, SIMCLUST_ACCESS_KEY_SECRET: process.env.ADMIN_API_KEY, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

const lines = (text: string) => text.split('\n').filter(Boolean);

/** A failure the way scripts see it: the code, and exactly one `simclust: …` line on stderr. */
function expectOneLineFailure(run: Run, code: number, pattern: RegExp): void {
  expect({ code: run.code, stderr: lines(run.stderr) }).toEqual({ code, stderr: [expect.stringMatching(/^simclust: /)] });
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  // `npm test` builds first; a direct jest run on a fresh clone builds what is missing here.
  const missing = APPS.filter((app) => !existsSync(join(REPO_ROOT, 'apps', app, 'dist', 'main.js')));
  if (missing.length) {
    const built = spawnSync('npx', ['tsc', '-b', ...missing.map((app) => `apps/${app}/tsconfig.app.json`)], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the apps do not build:\n${built.stdout}${built.stderr}`);
  }

  work = await realpath(await mkdtemp(join(tmpdir(), 'simclust-cli-e2e-')));
  photos = join(work, 'photos');
  await mkdir(join(photos, 'nested'), { recursive: true });
  await mkdir(join(work, 'empty'));
  await writeFile(join(work, 'empty', 'notes.txt'), 'no images here');
  // A burst: one photo, a re-encoded copy and a slightly cropped copy; then a different photo and a fake JPEG.
  const burst = await sharp(join(DEV_IMAGES, 'img_11291.jpg')).resize(640).jpeg({ quality: 92 }).toBuffer();
  const { width, height } = await sharp(burst).metadata();
  await writeFile(join(photos, 'burst.jpg'), burst);
  await sharp(burst).jpeg({ quality: 55 }).toFile(join(photos, 'burst-reencoded.JPG'));
  const inset = Math.round(width! * 0.04);
  await sharp(burst).extract({ left: inset, top: inset, width: width! - 2 * inset, height: height! - 2 * inset }).png().toFile(join(photos, 'nested', 'burst-cropped.png'));
  await sharp(join(DEV_IMAGES, 'img_10680.jpg')).resize(640).webp().toFile(join(photos, 'other.webp'));
  await writeFile(join(photos, 'broken.jpg'), 'this is text, not a JPEG');
  await writeFile(join(photos, 'readme.txt'), 'not an image: the walk skips it');

  stack = await startStack({ env: { SIMCLUST_REGION: `cli${randomBytes(4).toString('hex')}`, ALLOWED_FILE_ROOTS: work } });
  client = new ImmClient(stack.url);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('simclust index', () => {
  it('walks the folder, indexes every image and exits 1 listing the file that failed with its reason', async () => {
    const run = await simclust(['index', photos, '--project', ProjectName, '--dataset', DatasetName, '--create']);
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    expect(out[0]).toBe(`4 indexed, 1 failed (5 files, 1 task, project ${ProjectName}, dataset ${DatasetName})`);
    expect(out.slice(1)).toEqual([expect.stringMatching(new RegExp(`^failed ${join(photos, 'broken.jpg')}: \\S.+`))]);
    expect(run.stdout).not.toContain('readme.txt');
    // Off a terminal, progress is plain lines on stderr.
    expect(run.stderr).toContain('sent: 5/5 files');
    expect(run.stderr).toContain('finished: 1/1 tasks');
    expect(run.stderr).not.toContain('\u001b[');

    const { Files } = await client.ok<{ Files: Array<{ URI: string; ObjectStatus: string; Reason?: string }> }>('BatchGetFileMeta', {
      ProjectName,
      DatasetName,
      URIs: [...BURST, 'other.webp', 'broken.jpg'].map(uri),
    });
    const status = Object.fromEntries(Files.map((f) => [f.URI, f.ObjectStatus]));
    expect(status).toEqual({ ...Object.fromEntries([...BURST, 'other.webp'].map((n) => [uri(n), 'Indexed'])), [uri('broken.jpg')]: 'Failed' });
    expect(out[1]).toContain(Files.find((f) => f.URI === uri('broken.jpg'))!.Reason);
  });

  it('refuses a dataset that does not exist without --create (exit 5, with the hint)', async () => {
    const run = await simclust(['index', photos, '-p', uniqueName('clinone'), '-d', DatasetName]);
    expectOneLineFailure(run, 5, /ResourceNotFound.*--create makes the project and dataset/);
  });

  it('exits 2 with one line for a missing folder and for a folder without images', async () => {
    expectOneLineFailure(await simclust(['index', join(work, 'missing'), '-p', ProjectName, '-d', DatasetName]), 2, /missing: no such file or folder/);
    expectOneLineFailure(await simclust(['index', join(work, 'empty'), '-p', ProjectName, '-d', DatasetName]), 2, /no images in .*empty/);
  });
});

describe('the stack helper', () => {
  it('restarts an app killed with SIGKILL on the same port', async () => {
    const worker = stack.app('clustering-worker');
    const before = worker.pid;
    expect(await stack.kill('clustering-worker', 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(worker.running).toBe(false);
    await stack.restart('clustering-worker');
    expect(worker.pid).toEqual(expect.any(Number));
    expect(worker.pid).not.toBe(before);
    expect((await fetch(`${worker.url}/health/ready`)).status).toBe(200);
    expect(worker.logs().match(/starting clustering-worker on port/g)).toHaveLength(2);
  });
});

describe('simclust cluster and clusters', () => {
  it('runs a clustering task to Succeeded with its progress, and exits 0', async () => {
    const run = await simclust(['cluster', '-p', ProjectName, '-d', DatasetName]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^clustering task SimilarImageClustering-\S+ Succeeded/);
    expect(run.stderr).toContain('clustering: 100/100 %');
  });

  it('prints the clusters as JSON: the burst is one cluster, the other photo is in none', async () => {
    const run = await simclust(['clusters', '-p', ProjectName, '-d', DatasetName, '--json']);
    expect(run.code).toBe(0);
    const { SimilarImageClusters } = JSON.parse(run.stdout) as { SimilarImageClusters: Array<{ ObjectId: string; Files: Array<{ URI: string }> }> };
    expect(SimilarImageClusters).toHaveLength(1);
    expect(SimilarImageClusters[0].Files.map((f) => f.URI).sort()).toEqual(BURST.map(uri).sort());
    const api = await client.ok<{ SimilarImageClusters: unknown[] }>('QuerySimilarImageClusters', { ProjectName, DatasetName });
    expect(SimilarImageClusters).toEqual(api.SimilarImageClusters);
  });

  it('prints the clusters as a table: id, size, score and best shot', async () => {
    const api = await client.ok<{ SimilarImageClusters: Array<{ ObjectId: string; UpdateTime: string; Files: Array<{ URI: string; ImageScore: number }> }> }>(
      'QuerySimilarImageClusters',
      { ProjectName, DatasetName },
    );
    const [cluster] = api.SimilarImageClusters;
    const run = await simclust(['clusters', '-p', ProjectName, '-d', DatasetName]);
    expect(run.code).toBe(0);
    const [header, row, ...rest] = lines(run.stdout);
    expect(header.split(/\s{2,}/)).toEqual(['OBJECT ID', 'SIZE', 'SCORE', 'UPDATED', 'BEST SHOT']);
    expect(row.split(/\s{2,}/)).toEqual([cluster.ObjectId, '3', cluster.Files[0].ImageScore.toFixed(3), cluster.UpdateTime, cluster.Files[0].URI]);
    expect(rest).toEqual([]);
  });

  it('says so when a dataset has no clusters', async () => {
    const Empty = uniqueName('clie');
    await client.ok('CreateDataset', { ProjectName, DatasetName: Empty });
    const run = await simclust(['clusters', '-p', ProjectName, '-d', Empty]);
    expect(run).toEqual({ code: 0, stdout: `no clusters in project ${ProjectName}, dataset ${Empty} (index images, then run \`simclust cluster\`)\n`, stderr: '' });
  });
});

describe('simclust tasks', () => {
  it('lists the project tasks as JSON, newest first, and filters by type', async () => {
    const all = await simclust(['tasks', '-p', ProjectName, '--json']);
    expect(all.code).toBe(0);
    const { Tasks } = JSON.parse(all.stdout) as { Tasks: Array<{ TaskType: string; Status: string }> };
    expect(Tasks.map((t) => [t.TaskType, t.Status])).toEqual([
      ['SimilarImageClustering', 'Succeeded'],
      ['IndexFileMeta', 'Succeeded'],
    ]);
    const clustering = await simclust(['tasks', '-p', ProjectName, '--type', 'SimilarImageClustering']);
    expect(clustering.code).toBe(0);
    expect(lines(clustering.stdout)).toEqual([expect.stringMatching(/^TASK ID\s+TYPE\s+STATUS/), expect.stringMatching(/^SimilarImageClustering-\S+\s+SimilarImageClustering\s+Succeeded\s+100%/)]);
  });
});

describe('failures scripts can tell apart', () => {
  it('exits 3 with one line when the gateway cannot be reached', async () => {
    const closed = await freePort();
    expectOneLineFailure(await simclust(['tasks', '-p', ProjectName, '--endpoint', `http://127.0.0.1:${closed}`]), 3, /cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('exits 4 with one line for a wrong key', async () => {
    expectOneLineFailure(await simclust(['clusters', '-p', ProjectName, '-d', DatasetName], { SIMCLUST_ACCESS_KEY_SECRET: 'wrong-secret-0123456789' }), 4, /refused the access key: .+/);
  });

  it('exits 5 for a project that does not exist, and 2 for bad arguments', async () => {
    expectOneLineFailure(await simclust(['tasks', '-p', uniqueName('clinone')]), 5, /ResourceNotFound/);
    expectOneLineFailure(await simclust(['clusters', '-p', ProjectName]), 2, /required option '-d, --dataset <name>' not specified/);
    expectOneLineFailure(await simclust(['tasks', '-p', ProjectName, '--status', 'Done']), 2, /Allowed choices are Running, Succeeded, Failed/);
    expectOneLineFailure(await simclust(['clusters', '-p', ProjectName, '-d', DatasetName, '--max', '0']), 2, /must be a positive integer/);
  });
});
