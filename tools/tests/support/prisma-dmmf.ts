// Prisma's own schema parser, offline: the prisma CLI ships it as a wasm-bindgen module
// (build/prisma_schema_build_bg.wasm) whose JS glue is bundled inside cli.js; it needs only four imports,
// so a few lines of glue call its get_dmmf without the CLI or its (undownloadable) schema engine.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  fields: { name: string }[];
}
export interface DmmfDatamodel {
  models: DmmfModel[];
  enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
  indexes: DmmfIndex[];
}

type Exports = {
  memory: WebAssembly.Memory;
  __wbindgen_externrefs: WebAssembly.Table;
  __wbindgen_start(): void;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __externref_table_dealloc(idx: number): void;
  get_dmmf(ptr: number, len: number): [number, number, number, number];
};

let instance: Exports | undefined;

function load(): Exports {
  if (instance) return instance;
  const wasmPath = join(dirname(require.resolve('prisma/package.json')), 'build', 'prisma_schema_build_bg.wasm');
  const mod = new WebAssembly.Module(readFileSync(wasmPath));
  const decoder = new TextDecoder();
  // The imports close over the instance they belong to, which exists only after instantiation.
  const self = {} as { ex: Exports };
  const text = (ptr: number, len: number) => decoder.decode(new Uint8Array(self.ex.memory.buffer, ptr, len));
  const imports: Record<string, Record<string, (...a: number[]) => unknown>> = {};
  for (const { module, name } of WebAssembly.Module.imports(mod)) {
    // Import names carry a hash that changes between Prisma versions; match on the stable part.
    const fn = name.startsWith('__wbg_set_message')
      ? () => undefined
      : name.startsWith('__wbg_Error')
        ? (p: number, l: number) => new Error(text(p, l))
        : name.includes('wbindgen_throw')
          ? (p: number, l: number) => {
              throw new Error(text(p, l));
            }
          : name === '__wbindgen_init_externref_table'
            ? () => {
                const table = self.ex.__wbindgen_externrefs;
                const offset = table.grow(4);
                table.set(0, undefined);
                table.set(offset, undefined);
                table.set(offset + 1, null);
                table.set(offset + 2, true);
                table.set(offset + 3, false);
              }
            : () => {
                throw new Error(`prisma schema wasm: unexpected import ${name}; update tools/tests/support/prisma-dmmf.ts`);
              };
    (imports[module] ??= {})[name] = fn;
  }
  self.ex = new WebAssembly.Instance(mod, imports as WebAssembly.Imports).exports as unknown as Exports;
  self.ex.__wbindgen_start();
  return (instance = self.ex);
}

/** The DMMF data model of a Prisma schema; throws Prisma's validation message for an invalid schema. */
export function getDatamodel(schema: string): DmmfDatamodel {
  const ex = load();
  const input = new TextEncoder().encode(JSON.stringify({ prismaSchema: schema, noColor: true }));
  const ptr = ex.__wbindgen_malloc(input.length, 1);
  new Uint8Array(ex.memory.buffer, ptr, input.length).set(input);
  const [outPtr, outLen, errIdx, isErr] = ex.get_dmmf(ptr, input.length);
  if (isErr) {
    const err = ex.__wbindgen_externrefs.get(errIdx);
    ex.__externref_table_dealloc(errIdx);
    throw err instanceof Error ? err : new Error(String(err));
  }
  try {
    return JSON.parse(new TextDecoder().decode(new Uint8Array(ex.memory.buffer, outPtr, outLen))).datamodel;
  } finally {
    ex.__wbindgen_free(outPtr, outLen, 1);
  }
}
