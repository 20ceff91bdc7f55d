import { connectedComponents, DenseIds, groupsOf, UnionFind } from './grouping';
import { PairList } from './pair-list';

/** A stored similar-image cluster (IMM SimilarImageCluster without its per-file scores). */
export interface SimilarCluster {
  readonly id: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly customLabels: Readonly<Record<string, string>>;
  /** Image ids, ascending in clusters this lib produces. */
  readonly members: readonly number[];
}

/** What to write: new clusters, changed clusters (same id), ids to delete, and ids left exactly as they were. */
export interface ClusterPlan {
  readonly create: SimilarCluster[];
  readonly update: SimilarCluster[];
  readonly delete: string[];
  readonly unchanged: string[];
}

export interface PlanContext {
  /** Id for a cluster that inherits no previous id (e.g. `SimilarImageCluster-<uuid>`). */
  readonly newId: () => string;
  /** Time stamped on created and updated clusters. */
  readonly now: Date;
}

export interface IncrementalRunInput {
  /** Current clusters; must include every cluster holding a changed file or an endpoint of an added edge. */
  readonly previous: readonly SimilarCluster[];
  /** Files deleted or changed since the last run: their previous edges no longer count. */
  readonly changedFiles?: Iterable<number>;
  /** Verified edges found by this run (new and changed files against everything current). */
  readonly addedEdges?: PairList;
  /**
   * Current verified edges inside the clusters returned by clustersLosingMembers (a superset is fine);
   * edges touching a changed file are ignored, its new edges belong in addedEdges.
   */
  readonly keptEdges?: PairList;
}

export interface FileRemovalInput {
  readonly previous: readonly SimilarCluster[];
  readonly removedFiles: Iterable<number>;
  /** Verified edges inside the clusters returned by clustersLosingMembers(previous, removedFiles). */
  readonly keptEdges?: PairList;
}

const NO_PAIRS: PairList = { length: 0, a: new Uint32Array(0), b: new Uint32Array(0) };

function olderFirst(x: SimilarCluster, y: SimilarCluster): number {
  const byTime = x.createdAt.getTime() - y.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

function sameMembers(cluster: SimilarCluster, component: readonly number[]): boolean {
  if (cluster.members.length !== component.length) return false;
  const sorted = [...cluster.members].sort((p, q) => p - q);
  return sorted.every((id, i) => id === component[i]);
}

/**
 * Gives the new components identities from the previous clusters they came from: each previous cluster
 * passes its id to the component holding its largest part (ties: the part with the smallest image id);
 * a component claimed by several keeps the oldest claimant's id and labels; unclaimed components get a new id.
 * Members in `departed` (changed files, treated as removed then re-added) carry no identity.
 */
export function reconcileClusters(
  previous: readonly SimilarCluster[],
  components: readonly number[][],
  context: PlanContext,
  departed: ReadonlySet<number> = new Set(),
): ClusterPlan {
  const componentOf = new Map<number, number>();
  components.forEach((members, c) => members.forEach((id) => componentOf.set(id, c)));

  const claimants: SimilarCluster[][] = components.map(() => []);
  const deleted: string[] = [];
  for (const cluster of previous) {
    const partSizes = new Map<number, number>();
    for (const id of [...cluster.members].sort((p, q) => p - q)) {
      const c = departed.has(id) ? undefined : componentOf.get(id);
      if (c !== undefined) partSizes.set(c, (partSizes.get(c) ?? 0) + 1);
    }
    let heir = -1;
    let heirSize = 0;
    // Map order is first-seen order, i.e. by each part's smallest id: strict > keeps the earliest on ties.
    for (const [c, size] of partSizes) {
      if (size > heirSize) {
        heir = c;
        heirSize = size;
      }
    }
    if (heir < 0) deleted.push(cluster.id);
    else claimants[heir].push(cluster);
  }

  const plan: ClusterPlan = { create: [], update: [], delete: deleted, unchanged: [] };
  components.forEach((members, c) => {
    const [keeper, ...absorbed] = claimants[c].sort(olderFirst);
    for (const cluster of absorbed) plan.delete.push(cluster.id);
    if (!keeper) {
      const id = context.newId();
      if (previous.some((cluster) => cluster.id === id)) throw new Error(`newId() returned ${id}, an id already in use`);
      plan.create.push({ id, createdAt: context.now, updatedAt: context.now, customLabels: {}, members });
    } else if (sameMembers(keeper, members)) {
      plan.unchanged.push(keeper.id);
    } else {
      plan.update.push({ ...keeper, updatedAt: context.now, members });
    }
  });
  plan.delete.sort();
  plan.unchanged.sort();
  return plan;
}

/** Plan from the full current set of verified edges (a from-scratch run that still keeps stable ids). */
export function planFromEdges(previous: readonly SimilarCluster[], edges: PairList, context: PlanContext): ClusterPlan {
  return reconcileClusters(previous, connectedComponents(edges), context);
}

/** Clusters that lose members when `files` are removed or changed: the caller loads their internal edges. */
export function clustersLosingMembers(previous: readonly SimilarCluster[], files: Iterable<number>): SimilarCluster[] {
  const lost = new Set(files);
  return previous.filter((cluster) => cluster.members.some((id) => lost.has(id)));
}

/**
 * Plan of one incremental run from deltas: only clusters touched by a changed file or an added edge are
 * recomputed; untouched clusters are components of the new graph as they stand, so they stay unchanged.
 */
export function planIncrementalRun(input: IncrementalRunInput, context: PlanContext): ClusterPlan {
  const changed = new Set(input.changedFiles ?? []);
  const added = input.addedEdges ?? NO_PAIRS;
  const kept = input.keptEdges ?? NO_PAIRS;

  const touched = new Set(changed);
  for (let i = 0; i < added.length; i++) {
    touched.add(added.a[i]);
    touched.add(added.b[i]);
  }
  const affected: SimilarCluster[] = [];
  const unchanged: string[] = [];
  for (const cluster of input.previous) {
    if (cluster.members.some((id) => touched.has(id))) affected.push(cluster);
    else unchanged.push(cluster.id);
  }

  const nodeIds: number[] = [];
  for (const cluster of affected) for (const id of cluster.members) if (!changed.has(id)) nodeIds.push(id);
  for (let i = 0; i < added.length; i++) nodeIds.push(added.a[i], added.b[i]);
  const nodes = new DenseIds(Uint32Array.from(nodeIds));
  const uf = new UnionFind(nodes.size);

  for (const cluster of affected) {
    // A cluster that lost nobody keeps all its edges, so it is still connected: union it as a block.
    if (cluster.members.some((id) => changed.has(id))) continue;
    const first = nodes.indexOf(cluster.members[0]);
    for (let k = 1; k < cluster.members.length; k++) uf.union(first, nodes.indexOf(cluster.members[k]));
  }
  for (let i = 0; i < kept.length; i++) {
    if (changed.has(kept.a[i]) || changed.has(kept.b[i])) continue;
    const x = nodes.indexOf(kept.a[i]);
    const y = nodes.indexOf(kept.b[i]);
    if (x >= 0 && y >= 0) uf.union(x, y);
  }
  for (let i = 0; i < added.length; i++) uf.union(nodes.indexOf(added.a[i]), nodes.indexOf(added.b[i]));

  const plan = reconcileClusters(affected, groupsOf(uf, nodes), context, changed);
  return { ...plan, unchanged: [...plan.unchanged, ...unchanged].sort() };
}

/**
 * Plan for deleting files at delete time (IMM dissolves a cluster left with fewer than 2 images at once):
 * drops the files' edges and recomputes only the clusters that held them.
 */
export function planFileRemoval(input: FileRemovalInput, context: PlanContext): ClusterPlan {
  return planIncrementalRun({ previous: input.previous, changedFiles: input.removedFiles, keptEdges: input.keptEdges }, context);
}
