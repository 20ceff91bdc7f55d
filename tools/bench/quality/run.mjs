#!/usr/bin/env node
// Quality benchmark, end to end through the API: indexes all of ../shared/bench/dev/images into a fresh dataset,
// clusters it, maps QuerySimilarImageClusters back to file names and prints score.mjs's full report.
// Usage: npm run bench:quality [-- --endpoint http://127.0.0.1:8080 --key <admin key>] [--keep]
// Without --endpoint it starts the built gateway, indexer and clustering worker itself (run `npm run build` first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack } from '../pipeline/stack.mjs';

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    key: { type: 'string' },
    bench: { type: 'string', default: '/work/shared/bench' },
    keep: { type: 'boolean', default: false },
  },
});

const bench = realpathSync(args.bench);
const dev = join(bench, 'dev');
const images = readdirSync(join(dev, 'images')).sort().map((name) => join(dev, 'images', name));
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

const { api, stop } = await startStack({ endpoint: args.endpoint, key: args.key, allowedRoots: [dev], log: (line) => process.stderr.write(line) });
const stamp = Date.now().toString(36);
const key = { ProjectName: `bench_quality_${stamp}`, DatasetName: 'dev' };
try {
  await api.call('CreateProject', { ProjectName: key.ProjectName });
  await api.call('CreateDataset', key);

  let started = Date.now();
  await api.indexAll(key, images);
  const indexSeconds = seconds(started);
  started = Date.now();
  const task = await api.cluster(key);
  const clusterSeconds = seconds(started);
  if (task.Status !== 'Succeeded') throw new Error(`clustering task ended ${task.Status}: ${task.Code} ${task.Message}`);
  const clusters = await api.allClusters(key);

  const pred = join(mkdtempSync(join(tmpdir(), 'simclust-quality-')), 'pred.json');
  writeFileSync(pred, JSON.stringify({ clusters: clusters.map((c) => c.Files.map((f) => basename(f.URI))) }, null, 1));
  console.log(`indexed ${images.length} files in ${indexSeconds} s, clustered in ${clusterSeconds} s; ${clusters.length} clusters; prediction: ${pred}`);
  const scored = spawnSync(process.execPath, [join(bench, 'score.mjs'), '--truth', join(dev, 'truth.json'), '--pred', pred], { encoding: 'utf8' });
  process.stdout.write(scored.stdout);
  process.stderr.write(scored.stderr);
  process.exitCode = scored.status ?? 1;
} finally {
  if (!args.keep) {
    await api
      .call('DeleteDataset', key)
      .then(() => api.call('DeleteProject', { ProjectName: key.ProjectName }))
      .catch((err) => console.error(`cleanup: ${err.message}`));
  }
  await stop();
}
