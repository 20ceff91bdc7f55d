// The thread pool must give exactly the in-process verdicts; it runs the compiled thread script (npm test builds first).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairListFrom, verifyCandidates, verifyCandidatesAsync } from '@simclust/clustering';
import { extractFeatures } from '@simclust/features';
import { safeVerify } from './safe-verify';
import { VerifierPool } from './verifier-pool';

const THREAD_SCRIPT = join(__dirname, '../../dist/verification/verify.thread.js');
const DEV = '/work/shared/bench/dev';

jest.setTimeout(60_000);

test('verifies in worker threads with the same verdicts as in-process, across forgets and a corrupt blob', async () => {
  // Built by `npx tsc -b apps/clustering-worker/tsconfig.app.json` (npm test builds before testing).
  expect(existsSync(THREAD_SCRIPT)).toBe(true);
  const truth = JSON.parse(readFileSync(join(DEV, 'truth.json'), 'utf8')) as { clusters: string[][]; singletons: string[] };
  const names = [...truth.clusters[16], ...truth.clusters[24], ...truth.singletons.slice(0, 2)];
  const blobs = new Map<number, Uint8Array>();
  for (const [i, name] of names.entries()) blobs.set(i + 1, (await extractFeatures(readFileSync(join(DEV, 'images', name)))).verifier);
  blobs.set(99, new Uint8Array([1, 2, 3]));
  const ids = [...blobs.keys()];
  const pairs = pairListFrom(ids.flatMap((a) => ids.filter((b) => b > a).map((b) => [a, b] as const)));
  const blobOf = (id: number) => blobs.get(id) as Uint8Array;

  const expected = verifyCandidates(pairs, (a, b) => safeVerify(blobOf(a), blobOf(b)));
  expect(expected.length).toBeGreaterThan(3);
  const pool = new VerifierPool(THREAD_SCRIPT, 2);
  try {
    const first = await verifyCandidatesAsync(pairs, pool.verifier(blobOf), 16);
    pool.forgetAll();
    const second = await verifyCandidatesAsync(pairs, pool.verifier(blobOf), 16);
    for (const got of [first, second]) {
      expect(Array.from(got.a)).toEqual(Array.from(expected.a));
      expect(Array.from(got.b)).toEqual(Array.from(expected.b));
      expect(Array.from(got.score)).toEqual(Array.from(expected.score));
    }
  } finally {
    await pool.close();
  }
});
