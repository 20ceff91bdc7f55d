export interface ScoredImage<Id extends number | string = number> {
  readonly id: Id;
  /** Quality score (IMM ImageScore); higher is a better shot. NaN counts as worst. */
  readonly score: number;
}

function scoreKey(score: number): number {
  return Number.isNaN(score) ? -Infinity : score;
}

/** A cluster's files, best shot first: score descending, ties by id ascending (numeric or code-unit order). */
export function orderMembersByScore<Id extends number | string, T extends ScoredImage<Id>>(members: readonly T[]): T[] {
  return [...members].sort((x, y) => {
    const byScore = scoreKey(y.score) - scoreKey(x.score);
    if (byScore !== 0 && !Number.isNaN(byScore)) return byScore;
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
}
