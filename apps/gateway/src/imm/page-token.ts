import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ImmError } from '@simclust/contracts';
import { SECRET_BOX } from '@simclust/runtime';
import type { SecretBox } from '@simclust/secrets';

/** A keyset position: the sort key of the last item returned and its id. */
export interface PagePosition {
  /** Which listing the token belongs to, so a token of one list is refused by another. */
  scope: string;
  key: string | number | null;
  id: string;
}

/** Opaque, signed NextTokens: a forged or foreign token is an InvalidNextToken error, not a wrong page. */
@Injectable()
export class PageTokens {
  private readonly key: string;

  constructor(@Inject(SECRET_BOX) box: SecretBox) {
    this.key = box.lookupHash('simclust/page-token');
  }

  encode(position: PagePosition): string {
    const body = Buffer.from(JSON.stringify([position.scope, position.key, position.id])).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(token: string | undefined, scope: string): PagePosition | undefined {
    const position = this.read(token);
    if (position && position.scope !== scope) throw invalidToken();
    return position;
  }

  /** A token's position whatever its scope, for a listing that learns its own scope only from the page query. */
  read(token: string | undefined): PagePosition | undefined {
    if (!token) return undefined;
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined || this.sign(body) !== signature) throw invalidToken();
    try {
      const [scope, key, id] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [unknown, PagePosition['key'], unknown];
      if (typeof scope !== 'string' || typeof id !== 'string') throw invalidToken();
      return { scope, key, id };
    } catch {
      throw invalidToken();
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }
}

export function invalidToken(): ImmError {
  return new ImmError('InvalidNextToken', 'Specified parameter NextToken is not valid.');
}

/** Takes one item more than the page size to know whether a NextToken is needed. */
export function paginate<T>(rows: T[], maxResults: number, position: (last: T) => Omit<PagePosition, 'scope'>, scope: string, tokens: PageTokens) {
  const page = rows.slice(0, maxResults);
  const next = rows.length > maxResults ? tokens.encode({ scope, ...position(page[page.length - 1]) }) : undefined;
  return { page, nextToken: next };
}
