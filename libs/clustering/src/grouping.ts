import { PairList } from './pair-list';

/** Union-find over dense indices with path halving and union by size. */
export class UnionFind {
  private readonly parent: Uint32Array;
  private readonly weight: Uint32Array;

  constructor(size: number) {
    this.parent = new Uint32Array(size);
    this.weight = new Uint32Array(size).fill(1);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const parent = this.parent;
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  union(x: number, y: number): void {
    let rx = this.find(x);
    let ry = this.find(y);
    if (rx === ry) return;
    if (this.weight[rx] < this.weight[ry]) [rx, ry] = [ry, rx];
    this.parent[ry] = rx;
    this.weight[rx] += this.weight[ry];
  }
}

/** Maps arbitrary uint32 ids to dense indices 0..n-1 (ascending id order), without per-id objects. */
export class DenseIds {
  readonly ids: Uint32Array;

  constructor(ids: Uint32Array) {
    const sorted = ids.slice().sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
    this.ids = sorted.slice(0, n);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Dense index of an id, or -1. */
  indexOf(id: number): number {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.ids[mid];
      if (value === id) return mid;
      if (value < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/**
 * Groups of a union-find with at least two members, each sorted ascending, groups ordered by smallest member:
 * the same input edges give the same output whatever their order.
 */
export function groupsOf(uf: UnionFind, nodes: DenseIds): number[][] {
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < nodes.size; i++) {
    const root = uf.find(i);
    const members = byRoot.get(root);
    if (members) members.push(nodes.ids[i]);
    else byRoot.set(root, [nodes.ids[i]]);
  }
  const groups: number[][] = [];
  // Nodes are visited in ascending id order, so each group is already sorted and groups appear by smallest member.
  for (const members of byRoot.values()) if (members.length >= 2) groups.push(members);
  return groups;
}

/** Connected components (≥ 2 members) of the graph whose edges are `edges`: clusters over verified edges. */
export function connectedComponents(edges: PairList): number[][] {
  const endpoints = new Uint32Array(edges.length * 2);
  endpoints.set(edges.a.subarray(0, edges.length), 0);
  endpoints.set(edges.b.subarray(0, edges.length), edges.length);
  const nodes = new DenseIds(endpoints);
  const uf = new UnionFind(nodes.size);
  for (let i = 0; i < edges.length; i++) uf.union(nodes.indexOf(edges.a[i]), nodes.indexOf(edges.b[i]));
  return groupsOf(uf, nodes);
}
