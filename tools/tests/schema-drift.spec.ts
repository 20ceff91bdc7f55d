// Fails when prisma/schema.prisma and the database its committed migrations produce disagree. The schema is read
// by Prisma's own parser (the CLI's wasm), the database from information_schema/pg_catalog of a fresh migration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { getDatamodel, type DmmfDatamodel } from './support/prisma-dmmf';
import { actualShape, diffShapes, expectedShape, type SchemaShape } from './support/schema-shape';
import { databaseUrl, dropDatabase, throwawayName, withClient } from './support/pg';
import { REPO_ROOT, run } from './support/run';

const schemaText = readFileSync(join(REPO_ROOT, 'prisma', 'schema.prisma'), 'utf8');
const db = throwawayName('simclust_drift');
let live: SchemaShape;

beforeAll(async () => {
  const migrated = await run('node', ['tools/migrate/migrate.mjs'], { DATABASE_URL: databaseUrl(db) });
  if (migrated.code !== 0) throw new Error(`migrating ${db} failed: ${migrated.stderr}`);
  live = await withClient(db, (c) => actualShape(c));
});
afterAll(() => dropDatabase(db));

const model = (): DmmfDatamodel => getDatamodel(schemaText);
const drift = (dm: DmmfDatamodel, actual = live) => diffShapes(expectedShape(dm), actual);

test('schema.prisma and the migrated database agree', () => {
  // A failure lists each difference; write a migration (or fix the schema) until this list is empty.
  expect(drift(model())).toEqual([]);
});

test('the comparison covers every model and enum of the schema', () => {
  const dm = model();
  expect(Object.keys(live.tables).sort()).toEqual(dm.models.map((m) => m.dbName ?? m.name).sort());
  expect(Object.keys(live.enums).sort()).toEqual(dm.enums.map((e) => e.dbName ?? e.name).sort());
  expect(live.indexes.length).toBeGreaterThan(0);
  expect(live.foreignKeys.length).toBeGreaterThan(0);
});

describe('the comparator catches', () => {
  test('a column added to schema.prisma but not to the SQL', () => {
    const [, first] = /\nmodel (\w+) \{\n/.exec(schemaText)!;
    const mutated = schemaText.replace(`\nmodel ${first} {\n`, `\nmodel ${first} {\n  driftProbe String?\n`);
    expect(drift(getDatamodel(mutated))).toEqual([`column ${first}.driftProbe: in schema.prisma, missing from the database`]);
  });

  test('a model added to schema.prisma but not to the SQL', () => {
    const mutated = `${schemaText}\nmodel DriftProbe {\n  id String @id\n}\n`;
    expect(drift(getDatamodel(mutated))).toEqual(['table DriftProbe: in schema.prisma, missing from the database']);
  });

  test('a changed nullability', () => {
    const dm = model();
    const field = dm.models.flatMap((m) => m.fields.map((f) => ({ m, f }))).find(({ f }) => f.kind === 'scalar' && !f.isRequired && !f.isList)!;
    field.f.isRequired = true;
    expect(drift(dm)).toEqual([expect.stringMatching(new RegExp(`^column ${field.m.name}\\.${field.f.name}: NOT NULL in schema.prisma, nullable`))]);
  });

  test('a changed type', () => {
    const dm = model();
    const field = dm.models.flatMap((m) => m.fields.map((f) => ({ m, f }))).find(({ f }) => f.type === 'Int' && !f.isList)!;
    field.f.type = 'BigInt';
    expect(drift(dm)).toEqual([`column ${field.m.name}.${field.f.name}: type bigint in schema.prisma, integer in the database`]);
  });

  test('a changed enum and a changed default', () => {
    const dm = model();
    dm.enums[0].values.push({ name: 'DriftProbe', dbName: null });
    const field = dm.models.flatMap((m) => m.fields).find((f) => f.hasDefaultValue && typeof f.default === 'number')!;
    field.default = (field.default as number) + 1;
    const found = drift(dm);
    expect(found).toHaveLength(2);
    expect(found).toEqual(
      expect.arrayContaining([expect.stringMatching(/^enum \w+: \(.*DriftProbe\) in schema.prisma/), expect.stringMatching(/: default \d+ in schema.prisma, \d+ in the database$/)]),
    );
  });

  test('an index, a unique constraint and a referential action that differ', () => {
    const dm = model();
    const normal = dm.indexes.find((i) => i.type === 'normal')!;
    const unique = dm.indexes.find((i) => i.type === 'unique')!;
    unique.type = 'normal';
    dm.indexes.splice(dm.indexes.indexOf(normal), 1);
    const relation = dm.models.flatMap((m) => m.fields).find((f) => f.relationOnDelete === 'Cascade')!;
    relation.relationOnDelete = 'Restrict';
    const found = drift(dm);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^index \w+ index \(.+\): in schema.prisma, missing from the database$/),
        expect.stringMatching(/^index \w+ unique \(.+\): in the database, not in schema.prisma$/),
        expect.stringMatching(/^foreign key .* on delete RESTRICT .*: in schema.prisma, missing from the database$/),
        expect.stringMatching(/^foreign key .* on delete CASCADE .*: in the database, not in schema.prisma$/),
      ]),
    );
    // The dropped normal index shows up as present only in the database.
    expect(found.filter((d) => d.endsWith('in the database, not in schema.prisma') && d.startsWith('index ') && d.includes(' index ')).length).toBeGreaterThan(0);
  });

  test('changes made to the database behind the schema\'s back', async () => {
    const changed = await withClient(db, async (c: Client) => {
      await c.query('BEGIN');
      try {
        const { rows } = await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE '%_idx' LIMIT 1`);
        await c.query(`DROP INDEX "${rows[0].indexname}"`);
        const table = Object.keys(live.tables)[0];
        await c.query(`ALTER TABLE "${table}" ADD COLUMN "sneaky" TEXT`);
        return { shape: await actualShape(c), table, index: rows[0].indexname as string };
      } finally {
        await c.query('ROLLBACK');
      }
    });
    const found = drift(model(), changed.shape);
    expect(found).toContain(`column ${changed.table}.sneaky: in the database, not in schema.prisma`);
    expect(found.some((d) => d.startsWith('index ') && d.endsWith('in schema.prisma, missing from the database'))).toBe(true);
    expect(found).toHaveLength(2);
  });
});
