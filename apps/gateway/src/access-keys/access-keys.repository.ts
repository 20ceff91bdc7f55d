import { Inject, Injectable } from '@nestjs/common';
import { ImmError, newAccessKeyId } from '@simclust/contracts';
import { Prisma, type AccessKey, type Db } from '@simclust/db';
import { DB } from '@simclust/runtime';
import type { PolicyDocument } from '../auth/policy';

/** A keyset position over (createdAt, id). */
export interface CreatedCursor {
  createdAt: Date;
  id: string;
}

export interface NewAccessKey {
  secretEnc: string;
  secretHash: string;
  description?: string;
  policy: PolicyDocument;
}

const asJson = (policy: PolicyDocument) => policy as unknown as Prisma.InputJsonObject;

/** Access keys; deleted keys stay as rows (deletedAt) so a caller can be told its key was deleted. */
@Injectable()
export class AccessKeysRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  create(key: NewAccessKey): Promise<AccessKey> {
    return this.db.accessKey.create({
      data: { id: newAccessKeyId(), secretEnc: key.secretEnc, secretHash: key.secretHash, description: key.description, policy: asJson(key.policy) },
    });
  }

  /** Any key with this id, deleted ones included (authentication tells the two apart). */
  findById(id: string): Promise<AccessKey | null> {
    return this.db.accessKey.findUnique({ where: { id } });
  }

  /** Any key whose secret has this lookup hash, deleted ones included. */
  findBySecretHash(secretHash: string): Promise<AccessKey | null> {
    return this.db.accessKey.findUnique({ where: { secretHash } });
  }

  async getLive(id: string): Promise<AccessKey> {
    const key = await this.db.accessKey.findFirst({ where: { id, deletedAt: null } });
    if (!key) throw ImmError.notFound('access key', id);
    return key;
  }

  async update(id: string, changes: { description?: string; policy?: PolicyDocument }): Promise<AccessKey> {
    const { count } = await this.db.accessKey.updateMany({
      where: { id, deletedAt: null },
      data: { description: changes.description, policy: changes.policy ? asJson(changes.policy) : undefined },
    });
    if (count === 0) throw ImmError.notFound('access key', id);
    return this.getLive(id);
  }

  async softDelete(id: string): Promise<void> {
    const { count } = await this.db.accessKey.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date() } });
    if (count === 0) throw ImmError.notFound('access key', id);
  }

  listLive(take: number, cursor?: CreatedCursor): Promise<AccessKey[]> {
    const after = cursor ? { OR: [{ createdAt: { gt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { gt: cursor.id } }] } : {};
    return this.db.accessKey.findMany({ where: { AND: [{ deletedAt: null }, after] }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take });
  }
}
