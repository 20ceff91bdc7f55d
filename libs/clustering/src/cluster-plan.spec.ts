import {
  ClusterPlan,
  clustersLosingMembers,
  planFileRemoval,
  planFromEdges,
  planIncrementalRun,
  SimilarCluster,
} from './cluster-plan';
import { connectedComponents } from './grouping';
import { orderMembersByScore } from './member-order';
import { PairList, pairListFrom } from './pair-list';
import { seededRandom, shuffled } from './__fixtures__/seeded-random';

const T0 = new Date('2024-01-01T00:00:00Z');
const T1 = new Date('2024-02-01T00:00:00Z');
const NOW = new Date('2024-03-01T00:00:00Z');

function context(now = NOW) {
  let next = 0;
  return { now, newId: () => `new-${next++}` };
}

function cluster(id: string, members: number[], createdAt = T0, customLabels: Record<string, string> = {}): SimilarCluster {
  return { id, createdAt, updatedAt: createdAt, customLabels, members };
}

function apply(state: readonly SimilarCluster[], plan: ClusterPlan): SimilarCluster[] {
  const gone = new Set([...plan.delete, ...plan.update.map((c) => c.id)]);
  const next = [...state.filter((c) => !gone.has(c.id)), ...plan.update, ...plan.create];
  expect(next.length).toBe(new Set(next.map((c) => c.id)).size);
  return next;
}

/** The partition alone, canonical: what must not depend on arrival order or on run splits. */
function partition(clusters: readonly { members: readonly number[] }[]): string {
  return clusters
    .map((c) => [...c.members].sort((p, q) => p - q).join(','))
    .sort()
    .join(' | ');
}

const edges = (...pairs: [number, number][]): PairList => pairListFrom(pairs);

describe('planIncrementalRun / planFileRemoval: IMM identity rules', () => {
  it('a run with nothing new changes nothing', () => {
    const previous = [cluster('a', [1, 2]), cluster('b', [3, 4, 5])];
    const plan = planIncrementalRun({ previous }, context());
    expect(plan).toEqual({ create: [], update: [], delete: [], unchanged: ['a', 'b'] });
    expect(planFromEdges(previous, edges([1, 2], [3, 4], [4, 5]), context())).toEqual(plan);
  });

  it('creates a cluster for a new verified pair, with the injected id and time', () => {
    const plan = planIncrementalRun({ previous: [], addedEdges: edges([8, 7]) }, context());
    expect(plan.create).toEqual([{ id: 'new-0', createdAt: NOW, updatedAt: NOW, customLabels: {}, members: [7, 8] }]);
  });

  it('on a merge the oldest cluster keeps its id and labels; the others are deleted; untouched ones keep timestamps', () => {
    const previous = [
      cluster('young', [1, 2], T1),
      cluster('old', [5, 6], T0, { album: 'x' }),
      cluster('untouched', [9, 10], T0),
    ];
    const plan = planIncrementalRun({ previous, addedEdges: edges([2, 5], [6, 11]) }, context());
    expect(plan.update).toEqual([{ id: 'old', createdAt: T0, updatedAt: NOW, customLabels: { album: 'x' }, members: [1, 2, 5, 6, 11] }]);
    expect(plan.delete).toEqual(['young']);
    expect(plan.create).toEqual([]);
    expect(plan.unchanged).toEqual(['untouched']);
  });

  it('breaks a createdAt tie on merge by the smaller id', () => {
    const previous = [cluster('b', [1, 2], T0), cluster('a', [3, 4], T0)];
    const plan = planIncrementalRun({ previous, addedEdges: edges([2, 3]) }, context());
    expect(plan.update.map((c) => c.id)).toEqual(['a']);
    expect(plan.delete).toEqual(['b']);
  });

  it('on a split the largest part keeps the id; the other part gets a new one', () => {
    // 1-2-3-4-5-6 with 3 removed: parts {1,2} and {4,5,6}.
    const previous = [cluster('c', [1, 2, 3, 4, 5, 6], T0, { k: 'v' })];
    const keptEdges = edges([1, 2], [2, 3], [3, 4], [4, 5], [5, 6]);
    expect(clustersLosingMembers(previous, [3]).map((c) => c.id)).toEqual(['c']);
    const plan = planFileRemoval({ previous, removedFiles: [3], keptEdges }, context());
    expect(plan.update).toEqual([{ id: 'c', createdAt: T0, updatedAt: NOW, customLabels: { k: 'v' }, members: [4, 5, 6] }]);
    expect(plan.create).toEqual([{ id: 'new-0', createdAt: NOW, updatedAt: NOW, customLabels: {}, members: [1, 2] }]);
  });

  it('on a split into equal parts the part with the smallest image id keeps the id', () => {
    const previous = [cluster('c', [1, 2, 3, 4, 5])];
    const plan = planFileRemoval({ previous, removedFiles: [3], keptEdges: edges([1, 2], [2, 3], [3, 4], [4, 5]) }, context());
    expect(plan.update.map((c) => [c.id, c.members])).toEqual([['c', [1, 2]]]);
    expect(plan.create.map((c) => c.members)).toEqual([[4, 5]]);
  });

  it('dissolves a cluster left below 2 images at delete time', () => {
    const previous = [cluster('pair', [1, 2]), cluster('star', [3, 4, 5]), cluster('other', [6, 7])];
    const plan = planFileRemoval({ previous, removedFiles: [2, 4], keptEdges: edges([1, 2], [3, 4], [4, 5]) }, context());
    expect(plan.delete).toEqual(['pair', 'star']);
    expect(plan.create).toEqual([]);
    expect(plan.update).toEqual([]);
    expect(plan.unchanged).toEqual(['other']);
  });

  it('keeps a cluster that stays connected after a removal, under its id, with a new update time', () => {
    const previous = [cluster('tri', [1, 2, 3])];
    const plan = planFileRemoval({ previous, removedFiles: [2], keptEdges: edges([1, 2], [2, 3], [1, 3]) }, context());
    expect(plan.update).toEqual([{ ...previous[0], updatedAt: NOW, members: [1, 3] }]);
  });

  it('drops a changed file\'s old edges and uses its new ones', () => {
    // 2 changed: its old edge to 1 is gone, its new descriptors verify against 3.
    const previous = [cluster('a', [1, 2]), cluster('b', [3, 4])];
    const plan = planIncrementalRun(
      { previous, changedFiles: [2], keptEdges: edges([1, 2]), addedEdges: edges([2, 3]) },
      context(),
    );
    expect(plan.delete).toEqual(['a']);
    expect(plan.update).toEqual([{ ...previous[1], updatedAt: NOW, members: [2, 3, 4] }]);
  });
});

describe('incremental runs equal a from-scratch clustering (property, seeded)', () => {
  /** A verified-edge graph: planted groups, each a random tree plus extra edges; edges never cross groups. */
  function plantedGraph(files: number, random: () => number): [number, number][] {
    const pairs: [number, number][] = [];
    let start = 0;
    while (start < files) {
      const size = Math.min(files - start, 1 + Math.floor(random() * 6));
      for (let k = 1; k < size; k++) pairs.push([start + k, start + Math.floor(random() * k)]);
      if (size > 3 && random() < 0.5) pairs.push([start, start + size - 1]);
      start += size;
    }
    return pairs;
  }

  function simulate(seed: number) {
    const random = seededRandom(seed);
    const files = 240;
    let graph = plantedGraph(files, random);
    const present = new Set<number>();
    let state: SimilarCluster[] = [];
    let tick = 0;
    const ctx = () => {
      tick++;
      return { now: new Date(T0.getTime() + tick * 1000), newId: () => `s${seed}-${tick}-${Math.floor(random() * 1e9)}` };
    };
    const presentEdges = () => pairListFrom(graph.filter(([x, y]) => present.has(x) && present.has(y)));
    const edgesWithin = (clusters: SimilarCluster[]) => {
      const inside = new Set(clusters.flatMap((c) => c.members));
      return pairListFrom(graph.filter(([x, y]) => inside.has(x) && inside.has(y)));
    };
    const step = (plan: ClusterPlan) => {
      const before = state;
      state = apply(state, plan);
      // Invariants: ≥ 2 images, disjoint, equal to the from-scratch partition, unchanged clusters untouched.
      const all = state.flatMap((c) => c.members);
      expect(new Set(all).size).toBe(all.length);
      expect(state.every((c) => c.members.length >= 2)).toBe(true);
      expect(partition(state)).toBe(partition(connectedComponents(presentEdges()).map((members) => ({ members }))));
      for (const id of plan.unchanged) expect(state.find((c) => c.id === id)).toBe(before.find((c) => c.id === id));
    };

    const order = shuffled(Array.from({ length: files }, (_, i) => i), random);
    while (order.length > 0) {
      const run = order.splice(0, 1 + Math.floor(random() * 40));
      const changed = [...present].filter(() => random() < 0.03);
      // A changed file gets other descriptors: its edges are replaced by edges to random present files.
      graph = graph.filter(([x, y]) => !changed.includes(x) && !changed.includes(y));
      for (const file of changed) graph.push([file, [...present][Math.floor(random() * present.size)]]);
      graph = graph.filter(([x, y]) => x !== y);
      run.forEach((file) => present.add(file));
      const fresh = new Set([...run, ...changed]);
      const previous = state;
      step(
        planIncrementalRun(
          {
            previous,
            changedFiles: changed,
            keptEdges: edgesWithin(clustersLosingMembers(previous, changed)),
            addedEdges: pairListFrom(graph.filter(([x, y]) => present.has(x) && present.has(y) && (fresh.has(x) || fresh.has(y)))),
          },
          ctx(),
        ),
      );
      if (random() < 0.4) {
        const removed = [...present].filter(() => random() < 0.05);
        const keptEdges = edgesWithin(clustersLosingMembers(state, removed));
        removed.forEach((file) => present.delete(file));
        step(planFileRemoval({ previous: state, removedFiles: removed, keptEdges }, ctx()));
      }
      // A run with nothing new is a no-op.
      const idle = planIncrementalRun({ previous: state }, ctx());
      expect(idle.create.length + idle.update.length + idle.delete.length).toBe(0);
    }
    return { state, edges: presentEdges() };
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: every run matches the from-scratch partition', (seed) => {
    const { state, edges: finalEdges } = simulate(seed);
    expect(state.length).toBeGreaterThan(10);
    expect(partition(state)).toBe(partition(connectedComponents(finalEdges).map((members) => ({ members }))));
  });
});

describe('orderMembersByScore', () => {
  it('puts the best shot first and breaks ties by id', () => {
    const ordered = orderMembersByScore([
      { id: 5, score: 0.5 },
      { id: 3, score: 0.9 },
      { id: 4, score: 0.5 },
      { id: 1, score: Number.NaN },
      { id: 2, score: 0.1 },
    ]);
    expect(ordered.map((m) => m.id)).toEqual([3, 4, 5, 2, 1]);
    expect(orderMembersByScore([{ id: 'b', score: 1 }, { id: 'a', score: 1 }]).map((m) => m.id)).toEqual(['a', 'b']);
  });
});
