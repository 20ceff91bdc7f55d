import { randomUUID } from 'node:crypto';
import { createDatabase, pingDatabase } from './database';

describe('database (real PostgreSQL)', () => {
  it('answers a ping and rolls back a failed transaction whole', async () => {
    const db = createDatabase(process.env.DATABASE_URL!);
    expect(await pingDatabase(db)).toBe(true);
    const id = randomUUID();
    await expect(
      db.$transaction(async (tx) => {
        await tx.project.create({ data: { id, name: `db_${id.slice(0, 8)}`, webhookSecretEnc: 'x' } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.project.findUnique({ where: { id } })).toBeNull();
    await db.$disconnect();
  });

  it('reports an unreachable database as not ready instead of throwing', async () => {
    const db = createDatabase('postgresql://postgres@127.0.0.1:1/nowhere');
    expect(await pingDatabase(db)).toBe(false);
    await db.$disconnect();
  });
});
