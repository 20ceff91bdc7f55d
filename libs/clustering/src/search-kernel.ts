import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Built by `nx build clustering` from ../assembly/search-kernel.ts; the same path from src (jest) and from dist. */
export const SEARCH_KERNEL_WASM = join(__dirname, '..', 'dist', 'search-kernel.wasm');

/** The few WebAssembly globals used here (TypeScript's "dom" lib declares them, @types/node 20 does not). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
};

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  scanRegion(
    region: number,
    blockShift: number,
    masks: number,
    slack: number,
    maskFrom: number,
    maskTo: number,
    blockStart: number,
    keys: number,
    filters: number,
    offsets: number,
    postings: number,
    nextMask: number,
    nextThreshold: number,
    stretch: number,
    hits: number,
    capacity: number,
  ): number;
}

let loaded: KernelExports | undefined;

/** The kernel instance of this thread (each thread has its own, with its own memory). */
function kernel(): KernelExports {
  if (!loaded) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(SEARCH_KERNEL_WASM);
    } catch (error) {
      throw new Error(`search kernel not found at ${SEARCH_KERNEL_WASM}: build the lib (npx nx build clustering)`, { cause: error });
    }
    loaded = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as KernelExports;
  }
  return loaded;
}

const PAGE = 65536;

/**
 * uint32 arrays laid out one after another in the kernel's memory (reused by every search on this thread: memory
 * only grows, so a thread keeps the largest layout it needed). Views are taken with `views()` and are valid until
 * the next growth (`growLast`).
 */
export class KernelArrays {
  readonly scan: KernelExports['scanRegion'];
  /** Byte address of each array in the kernel's memory. */
  readonly at: number[] = [];
  private readonly lengths: number[];

  constructor(lengths: readonly number[]) {
    const k = kernel();
    this.scan = k.scanRegion;
    this.lengths = [...lengths];
    // 16-byte aligned, as the kernel reads four words at a time.
    let next = Math.ceil(k.heapBase() / 16) * 16;
    for (const length of lengths) {
      this.at.push(next);
      next += Math.ceil(length / 4) * 16;
    }
    this.reserve(next);
  }

  views(): Uint32Array[] {
    const buffer = kernel().memory.buffer;
    return this.lengths.map((length, i) => new Uint32Array(buffer, this.at[i], length));
  }

  /** Makes the last array `length` words long (its contents are not kept); views taken before are invalid. */
  growLast(length: number): void {
    const last = this.lengths.length - 1;
    this.lengths[last] = length;
    this.reserve(this.at[last] + length * 4);
  }

  private reserve(bytes: number): void {
    const memory = kernel().memory;
    const missing = bytes - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
  }
}
