import { Inject, Injectable } from '@nestjs/common';
import { ImmError } from '@simclust/contracts';
import type { AccessKey } from '@simclust/db';
import { SECRET_BOX } from '@simclust/runtime';
import { generateSecret, type SecretBox } from '@simclust/secrets';
import type { PolicyDocument } from '../auth/policy';
import { rfc3339 } from '../common/time';
import { PageTokens, paginate, type PagePosition } from '../imm/page-token';
import { AccessKeysRepository, type CreatedCursor } from './access-keys.repository';

const LIST_SCOPE = 'access-keys';

/** An AccessKey without its secret. */
export function accessKeyView(key: AccessKey) {
  return {
    AccessKeyId: key.id,
    Description: key.description ?? '',
    Policy: key.policy as unknown as PolicyDocument,
    CreateTime: rfc3339(key.createdAt),
    UpdateTime: rfc3339(key.updatedAt),
  };
}

function createdCursor(position: PagePosition | undefined): CreatedCursor | undefined {
  if (!position) return undefined;
  if (typeof position.key !== 'number') throw new ImmError('InvalidNextToken', 'Specified parameter NextToken is not valid.');
  return { createdAt: new Date(position.key), id: position.id };
}

@Injectable()
export class AccessKeysService {
  constructor(
    private readonly keys: AccessKeysRepository,
    private readonly tokens: PageTokens,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  /** Mints a key; its secret is in this answer only, stored encrypted plus a keyed hash for Bearer lookups. */
  async create(policy: PolicyDocument, description?: string) {
    const secret = generateSecret();
    const key = await this.keys.create({ secretEnc: this.box.encrypt(secret), secretHash: this.box.lookupHash(secret), description, policy });
    const { AccessKeyId, ...rest } = accessKeyView(key);
    return { AccessKey: { AccessKeyId, AccessKeySecret: secret, ...rest } };
  }

  async get(id: string) {
    return { AccessKey: accessKeyView(await this.keys.getLive(id)) };
  }

  async list(maxResults: number, nextToken?: string) {
    const rows = await this.keys.listLive(maxResults + 1, createdCursor(this.tokens.decode(nextToken, LIST_SCOPE)));
    const { page, nextToken: next } = paginate(rows, maxResults, (k) => ({ key: k.createdAt.getTime(), id: k.id }), LIST_SCOPE, this.tokens);
    return { AccessKeys: page.map(accessKeyView), ...(next ? { NextToken: next } : {}) };
  }

  async update(id: string, changes: { policy?: PolicyDocument; description?: string }) {
    return { AccessKey: accessKeyView(await this.keys.update(id, changes)) };
  }

  async delete(id: string) {
    await this.keys.softDelete(id);
    return {};
  }
}
