import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '@simclust/observability';
import type { Policy } from '../auth/policy';

/** Who made the call, after authentication. */
export interface Principal {
  accessKeyId: string;
  isAdmin: boolean;
  /** The key's RAM policy; the admin key has none and every right. */
  policy?: Policy;
}

export interface ActionContext {
  requestId: string;
  principal: Principal;
  log: Logger;
}

/** The RAM resource an action touches (contract.md, "Authorization resources"). */
export type ResourceScope = { kind: 'global' } | { kind: 'project'; project: string } | { kind: 'dataset'; project: string; dataset: string };

export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/v1/projects/:ProjectName/datasets`; path parameters are IMM parameter names. */
  path: string;
}

/**
 * One IMM operation: its parameter schema, the resource it acts on, and its handler. The RPC endpoint and the
 * REST routes both dispatch through these, so validation, auth and errors are the same on both.
 */
export interface ActionDefinition<S extends z.ZodType = z.ZodType> {
  action: string;
  summary: string;
  params: S;
  resource: (params: z.output<S>) => ResourceScope;
  rest?: RestRoute;
  /** Documentation of the success body (besides RequestId). */
  response?: z.ZodType;
  /**
   * For list operations: the array in the answer and each item's resource. A key limited by its policy then gets
   * only the items it may see (pages are refilled through MaxResults/NextToken), as RAM-style listings do.
   */
  listing?: { field: string; item: (item: Record<string, unknown>) => ResourceScope };
  handle: (params: z.output<S>, ctx: ActionContext) => Promise<Record<string, unknown> | SerializedAnswer>;
}

/**
 * An answer serialized once (every field but RequestId, which each response gets its own), for answers that several
 * calls share: the dispatcher writes the text as is instead of serializing the object again for each of them.
 */
export class SerializedAnswer {
  /** The answer's JSON without its braces, `"Field":value,…`, as UTF-8 (encoded once, however often it is sent). */
  readonly fields: Buffer;

  constructor(answer: Record<string, unknown>) {
    this.fields = Buffer.from(JSON.stringify(answer).slice(1, -1));
  }

  /**
   * Sends the whole JSON body with this call's RequestId first, as for any other answer: the head, the shared fields
   * and the brace go out in one corked write, so a 63 KB page is neither copied nor re-encoded per call.
   */
  send(res: ServerResponse, requestId: string): void {
    const head = Buffer.from(`{"RequestId":${JSON.stringify(requestId)}${this.fields.length ? ',' : ''}`);
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', head.length + this.fields.length + CLOSE.length);
    res.cork();
    res.write(head);
    res.write(this.fields);
    res.end(CLOSE);
    res.uncork();
  }
}

const CLOSE = Buffer.from('}');

export function defineAction<S extends z.ZodType>(definition: ActionDefinition<S>): ActionDefinition {
  return definition as unknown as ActionDefinition;
}
