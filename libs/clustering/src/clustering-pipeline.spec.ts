import { CandidateIndex } from './candidate-index';
import { clustersLosingMembers, planFromEdges, planIncrementalRun, SimilarCluster } from './cluster-plan';
import { connectedComponents } from './grouping';
import { PairBuffer, PairList } from './pair-list';
import { PairVerifier, verifyCandidates } from './verification';
import { clusteredImages, Image } from './__fixtures__/synthetic-images';
import { seededRandom, shuffled } from './__fixtures__/seeded-random';

const RADIUS = 8;
let issued = 0;
const ctx = () => ({ now: new Date('2024-03-01T00:00:00Z'), newId: () => `id-${issued++}` });
const partition = (groups: readonly (readonly number[])[]) =>
  groups
    .map((g) => [...g].sort((p, q) => p - q).join(','))
    .sort()
    .join(' | ');

describe('candidate search + verification + grouping, as the worker runs it', () => {
  const images = clusteredImages(400, 11);
  const byId = new Map(images.map((image) => [image.id, image]));
  // Strict synthetic verifier: same planted centre and the ids agree on parity, so some similar codes never match.
  const verify: PairVerifier = (a, b) => {
    const x = byId.get(a) as Image;
    const y = byId.get(b) as Image;
    return { match: x.centre === y.centre && a % 2 === b % 2, score: 1 };
  };

  function fromScratch(): string {
    const index = new CandidateIndex({ radius: RADIUS });
    for (const image of images) index.add(image.id, image.anchors, image.probes);
    const edges = verifyCandidates(index.allCandidatePairs(), verify);
    return partition(planFromEdges([], edges, ctx()).create.map((c) => c.members));
  }

  it.each([21, 22, 23, 24])('gives the same partition whatever the arrival order and run split (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const index = new CandidateIndex({ radius: RADIUS });
    let state: SimilarCluster[] = [];
    const arrivals = shuffled(images, random);
    while (arrivals.length > 0) {
      const run = arrivals.splice(0, 1 + Math.floor(random() * 80));
      for (const image of run) index.add(image.id, image.anchors, image.probes);
      const addedEdges = verifyCandidates(index.candidatePairsFor(run.map((image) => image.id)), verify);
      const plan = planIncrementalRun({ previous: state, addedEdges }, ctx());
      const replaced = new Set([...plan.delete, ...plan.update.map((c) => c.id)]);
      state = [...state.filter((c) => !replaced.has(c.id)), ...plan.update, ...plan.create];
    }
    const expected = fromScratch();
    expect(expected.split(' | ').length).toBeGreaterThan(20);
    expect(partition(state.map((c) => c.members))).toBe(expected);
  });

  it('links only verified pairs: a chain of similar but unverified codes does not merge', () => {
    // Six codes, each 6 bits from the next (all consecutive pairs are candidates at R = 8), ends 30 bits apart.
    const codes: [number, number][] = [[0, 0]];
    for (let k = 1; k < 6; k++) {
      const [lo, hi] = codes[k - 1];
      codes.push([(lo | (0x3f << (6 * (k - 1)))) >>> 0, hi]);
    }
    const index = new CandidateIndex({ radius: RADIUS });
    codes.forEach((code, id) => index.add(id, Uint32Array.from(code), Uint32Array.from(code)));
    const candidates = index.allCandidatePairs();
    const asText = (pairs: PairList) => Array.from({ length: pairs.length }, (_, i) => `${pairs.a[i]}-${pairs.b[i]}`);
    expect(asText(candidates)).toEqual(['0-1', '1-2', '2-3', '3-4', '4-5']);
    expect(connectedComponents(candidates)).toEqual([[0, 1, 2, 3, 4, 5]]); // what raw similarity would chain

    const accepted = new Set(['0-1', '4-5']);
    const edges = verifyCandidates(candidates, (a, b) => ({ match: accepted.has(`${a}-${b}`), score: 0.9 }));
    expect(Array.from(edges.score)).toEqual([Math.fround(0.9), Math.fround(0.9)]);
    expect(planFromEdges([], edges, ctx()).create.map((c) => c.members)).toEqual([
      [0, 1],
      [4, 5],
    ]);
  });

  it('removing files from the index and the clusters matches a from-scratch run without them', () => {
    const index = new CandidateIndex({ radius: RADIUS });
    for (const image of images) index.add(image.id, image.anchors, image.probes);
    const allEdges = verifyCandidates(index.allCandidatePairs(), verify);
    const state = planFromEdges([], allEdges, ctx()).create;
    const removed = images.filter((_, i) => i % 7 === 0).map((image) => image.id);
    for (const id of removed) index.remove(id);

    const losing = clustersLosingMembers(state, removed);
    const inside = new Set(losing.flatMap((c) => c.members));
    const keptEdges = new PairBuffer();
    for (let i = 0; i < allEdges.length; i++) if (inside.has(allEdges.a[i]) && inside.has(allEdges.b[i])) keptEdges.push(allEdges.a[i], allEdges.b[i]);
    const plan = planIncrementalRun({ previous: state, changedFiles: removed, keptEdges: keptEdges.toSortedUnique() }, ctx());
    expect(plan.delete.length + plan.update.length).toBeGreaterThan(0);
    const gone = new Set([...plan.delete, ...plan.update.map((c) => c.id)]);
    const after = [...state.filter((c) => !gone.has(c.id)), ...plan.update, ...plan.create];
    const rebuilt = verifyCandidates(index.allCandidatePairs(), verify);
    expect(partition(after.map((c) => c.members))).toBe(partition(connectedComponents(rebuilt)));
  });
});
