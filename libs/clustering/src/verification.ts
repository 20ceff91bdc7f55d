import { PairList } from './pair-list';

export interface PairVerdict {
  readonly match: boolean;
  readonly score: number;
}

/** The strict pairwise check (supplied by the worker); only pairs it accepts become edges. */
export type PairVerifier = (idA: number, idB: number) => PairVerdict;
export type AsyncPairVerifier = (idA: number, idB: number) => PairVerdict | Promise<PairVerdict>;

/** Verified edges: the accepted candidate pairs (a < b, sorted) with the verifier's score. */
export interface VerifiedEdges extends PairList {
  readonly score: Float32Array;
}

class EdgeCollector {
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  private readonly score: Float32Array;
  private readonly accepted: Uint8Array;

  constructor(private readonly pairs: PairList) {
    this.a = new Uint32Array(pairs.length);
    this.b = new Uint32Array(pairs.length);
    this.score = new Float32Array(pairs.length);
    this.accepted = new Uint8Array(pairs.length);
  }

  record(i: number, verdict: PairVerdict): void {
    this.accepted[i] = verdict.match ? 1 : 0;
    this.score[i] = verdict.score;
  }

  /** Keeps candidate order (sorted by (a, b)) however the verdicts arrived. */
  edges(): VerifiedEdges {
    let n = 0;
    for (let i = 0; i < this.pairs.length; i++) {
      if (!this.accepted[i]) continue;
      this.a[n] = this.pairs.a[i];
      this.b[n] = this.pairs.b[i];
      this.score[n] = this.score[i];
      n++;
    }
    return { length: n, a: this.a.slice(0, n), b: this.b.slice(0, n), score: this.score.slice(0, n) };
  }
}

/** Verifies candidates one by one, always as verify(smaller id, larger id) so the verdict cannot depend on order. */
export function verifyCandidates(pairs: PairList, verify: PairVerifier): VerifiedEdges {
  const collector = new EdgeCollector(pairs);
  for (let i = 0; i < pairs.length; i++) collector.record(i, verify(pairs.a[i], pairs.b[i]));
  return collector.edges();
}

/** Same as verifyCandidates with up to `concurrency` verifications in flight (e.g. a worker-thread pool). */
export async function verifyCandidatesAsync(pairs: PairList, verify: AsyncPairVerifier, concurrency = 4): Promise<VerifiedEdges> {
  const collector = new EdgeCollector(pairs);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < pairs.length) {
      const i = next++;
      collector.record(i, await verify(pairs.a[i], pairs.b[i]));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pairs.length)) }, lane));
  return collector.edges();
}
