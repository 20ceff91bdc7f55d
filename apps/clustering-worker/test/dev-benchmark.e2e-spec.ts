// Regression guard for quality: all of DEV through the API (index, cluster, query), scored by the benchmark's own
// scorer. The goal is F1 ≥ 0.98 (tools/bench/quality prints the full report); this fails below 0.95.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_DIR, DEV_IMAGES, newDataset, partition, startPipeline, type Pipeline } from './pipeline.harness';

jest.setTimeout(240_000);

let pipeline: Pipeline;
const scratch = mkdtempSync(join(tmpdir(), 'simclust-dev-'));

beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Score {
  main: { pairwise: { precision: number; recall: number; f1: number } };
}

test('DEV end to end: pairwise F1 ≥ 0.95 and no hard-negative merge', async () => {
  const ds = await newDataset(pipeline.client, 'dev');
  await ds.index(readdirSync(DEV_IMAGES).sort());
  expect((await ds.cluster()).Status).toBe('Succeeded');
  const pred = join(scratch, 'pred.json');
  writeFileSync(pred, JSON.stringify({ clusters: partition(await ds.clusters()) }));

  const scored = spawnSync(process.execPath, [join(DEV_DIR, '..', 'score.mjs'), '--truth', join(DEV_DIR, 'truth.json'), '--pred', pred, '--json'], { encoding: 'utf8' });
  expect(scored.status).toBe(0);
  const report = JSON.parse(scored.stdout.split('\n')[0]) as Score;
  const human = spawnSync(process.execPath, [join(DEV_DIR, '..', 'score.mjs'), '--truth', join(DEV_DIR, 'truth.json'), '--pred', pred], { encoding: 'utf8' });
  expect(human.stdout).toMatch(/== hard negatives: 0 wrongly merged pair\(s\)/);
  expect(report.main.pairwise.f1).toBeGreaterThanOrEqual(0.95);
});
