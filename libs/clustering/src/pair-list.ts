import { LITTLE_ENDIAN } from './hamming';

/** Unordered image pairs as parallel arrays, normalised to a[i] < b[i] and sorted by (a, b) without repeats. */
export interface PairList {
  readonly length: number;
  readonly a: Uint32Array;
  readonly b: Uint32Array;
}

export function pairListFrom(pairs: ReadonlyArray<readonly [number, number]>): PairList {
  const buffer = new PairBuffer(pairs.length);
  for (const [x, y] of pairs) buffer.push(x, y);
  return buffer.toSortedUnique();
}

export function emptyPairList(): PairList {
  return { length: 0, a: new Uint32Array(0), b: new Uint32Array(0) };
}

/** Growable pair accumulator; stores each pair as one little-endian uint64 (max, min) so a native sort orders by (min, max). */
export class PairBuffer {
  private words_: Uint32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    if (!LITTLE_ENDIAN) throw new Error('big-endian platforms are not supported');
    this.words_ = new Uint32Array(Math.max(2, initialCapacity * 2));
  }

  get length(): number {
    return this.count;
  }

  /** Adds the unordered pair {x, y}; x === y is ignored. */
  push(x: number, y: number): void {
    if (x === y) return;
    if (this.count * 2 === this.words_.length) this.grow();
    const at = this.count * 2;
    if (x < y) {
      this.words_[at] = y;
      this.words_[at + 1] = x;
    } else {
      this.words_[at] = x;
      this.words_[at + 1] = y;
    }
    this.count++;
  }

  /** The stored pairs as (max, min) uint32 words, a copy of exactly 2 × length words (for another thread). */
  words(): Uint32Array {
    return this.words_.slice(0, this.count * 2);
  }

  /**
   * Like words(), sorted and without repeats: an image pair found through several code pairs travels and is
   * stored once (a search task's output is mostly such repeats).
   */
  uniqueWords(): Uint32Array {
    return this.words_.slice(0, this.sortUnique() * 2);
  }

  /** Appends words produced by words() of another buffer. */
  pushWords(words: Uint32Array): void {
    const n = words.length >>> 1;
    while ((this.count + n) * 2 > this.words_.length) this.grow();
    this.words_.set(words.subarray(0, n * 2), this.count * 2);
    this.count += n;
  }

  pushAll(pairs: PairList): void {
    for (let i = 0; i < pairs.length; i++) this.push(pairs.a[i], pairs.b[i]);
  }

  /** The pairs sorted without repeats (the buffer keeps them so: its length becomes theirs). */
  toSortedUnique(): PairList {
    const n = this.sortUnique();
    const a = new Uint32Array(n);
    const b = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = this.words_[2 * i + 1];
      b[i] = this.words_[2 * i];
    }
    return { length: n, a, b };
  }

  /** Sorts the pairs in place and drops repeats; returns the new length. */
  private sortUnique(): number {
    new BigUint64Array(this.words_.buffer, 0, this.count).sort();
    const w = this.words_;
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      if (n > 0 && w[2 * i] === w[2 * n - 2] && w[2 * i + 1] === w[2 * n - 1]) continue;
      w[2 * n] = w[2 * i];
      w[2 * n + 1] = w[2 * i + 1];
      n++;
    }
    this.count = n;
    return n;
  }

  private grow(): void {
    const next = new Uint32Array(this.words_.length * 2);
    next.set(this.words_);
    this.words_ = next;
  }
}
