import type { PairVerdict } from '@simclust/clustering';
import { verifyPair } from '@simclust/features';

const NO_MATCH: PairVerdict = { match: false, score: 0 };

/** verifyPair that never throws: an unreadable verifier blob makes its pairs non-edges instead of failing the run. */
export function safeVerify(a: Uint8Array, b: Uint8Array): PairVerdict {
  try {
    return verifyPair(a, b);
  } catch {
    return NO_MATCH;
  }
}
