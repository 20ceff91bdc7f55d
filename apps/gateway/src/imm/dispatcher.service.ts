import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ImmError, type ImmErrorBody } from '@simclust/contracts';
import { LOGGER, METRICS } from '@simclust/runtime';
import { counter, histogram, type Logger } from '@simclust/observability';
import type { Registry } from 'prom-client';
import { AuthService, type ItemFilter } from '../auth/auth.service';
import { RateLimiter } from '../auth/rate-limiter.service';
import { noteCall, requestIdOf } from '../common/access-log';
import { SerializedAnswer, type ActionContext, type ActionDefinition, type Principal } from './action';
import { ActionRegistry } from './action-registry';
import { collectParams, toImmError } from './params';

/** The single path of every API call: resolve the action, authenticate, validate, authorize, run, answer. */
@Injectable()
export class DispatcherService {
  private readonly requests;
  private readonly latency;

  constructor(
    private readonly registry: ActionRegistry,
    private readonly auth: AuthService,
    private readonly limiter: RateLimiter,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.requests = counter(metrics, 'simclust_api_requests_total', 'API calls by action and code', ['action', 'code']);
    this.latency = histogram(metrics, 'simclust_api_request_seconds', 'API call latency by action', ['action']);
  }

  /** The IMM-compatible endpoint: `Action` in the query, body or `x-acs-action` header. */
  async handleRpc(req: Request, res: Response): Promise<void> {
    const requestId = requestIdOf(req);
    await this.run(requestId, res, async () => {
      const params = collectParams(req.query as Record<string, unknown>, bodyParams(req));
      const name = String(params.Action ?? req.header('x-acs-action') ?? '');
      if (!name) throw ImmError.missing('Action');
      const definition = this.registry.get(name);
      if (!definition) throw ImmError.invalidArgument(`The Action ${name} is not supported.`);
      return { definition, params };
    }, req);
  }

  /** Resource-style routes (`/v1/projects/...`), mapped onto the same actions. */
  async handleRest(req: Request, res: Response): Promise<void> {
    const requestId = requestIdOf(req);
    await this.run(requestId, res, async () => {
      const match = this.registry.matchRoute(req.method, req.path);
      if (!match) throw ImmError.notFound('route', `${req.method} ${req.path}`);
      const params = collectParams(req.query as Record<string, unknown>, bodyParams(req), match.pathParams);
      return { definition: match.definition, params };
    }, req);
  }

  private async run(
    requestId: string,
    res: Response,
    resolve: () => Promise<{ definition: ActionDefinition; params: Record<string, unknown> }>,
    req: Request,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    let action = 'unknown';
    let code = 'OK';
    try {
      const principal = await this.auth.authenticate(req);
      const { definition, params } = await resolve();
      action = definition.action;
      const parsed = definition.params.safeParse(params);
      if (!parsed.success) throw toImmError(parsed.error, params);
      const visible = await this.auth.authorize(principal, definition, parsed.data);
      await this.limiter.admit(principal, definition.resource(parsed.data));
      const context = actionContext(this.log, requestId, principal, action);
      const result = visible && definition.listing
        ? await visibleListing(definition, definition.listing, parsed.data as Record<string, unknown>, context, visible)
        : await definition.handle(parsed.data, context);
      if (result instanceof SerializedAnswer) result.send(res, requestId);
      else res.status(200).json({ RequestId: requestId, ...result });
    } catch (err) {
      const error = err instanceof ImmError ? err : ImmError.internal();
      code = error.code;
      if (!(err instanceof ImmError)) this.log.error({ err, requestId, action }, 'unexpected error');
      else if (error.status >= 500) this.log.error({ err, requestId, action }, 'service error');
      if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      const body: ImmErrorBody = { RequestId: requestId, Code: error.code, Message: error.message };
      res.status(error.status).json(body);
    } finally {
      noteCall(res, action, code);
      this.requests.inc({ action, code });
      this.latency.observe({ action }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

/** The handler's context; its child logger is made only if the handler logs (most calls never do). */
function actionContext(parent: Logger, requestId: string, principal: Principal, action: string): ActionContext {
  let log: Logger | undefined;
  return {
    requestId,
    principal,
    get log() {
      return (log ??= parent.child({ requestId, action }));
    },
  };
}

/** Rounds of refilling one page of a filtered listing before its NextToken is returned as is. */
const MAX_LISTING_ROUNDS = 10;

/**
 * Runs a list operation for a key that may see only some items: keeps the visible ones and, while the page is short
 * and more exist, asks for the rest of the page after the last item looked at, so NextToken never skips one.
 */
async function visibleListing(
  definition: ActionDefinition,
  { field, item }: NonNullable<ActionDefinition['listing']>,
  params: Record<string, unknown>,
  context: ActionContext,
  visible: ItemFilter,
) {
  const wanted = typeof params.MaxResults === 'number' ? params.MaxResults : Number.POSITIVE_INFINITY;
  const kept: unknown[] = [];
  const page = async (pageParams: Record<string, unknown>) => {
    const answer = await definition.handle(pageParams, context);
    if (answer instanceof SerializedAnswer) throw new Error(`${definition.action} is a listing: its items must stay filterable`);
    return answer;
  };
  let result = await page(params);
  for (let round = 1; ; round++) {
    const items = Array.isArray(result[field]) ? (result[field] as Array<Record<string, unknown>>) : [];
    kept.push(...items.filter((i) => visible(item(i))));
    const next = result.NextToken;
    if (typeof next !== 'string' || kept.length >= wanted || round >= MAX_LISTING_ROUNDS) break;
    result = await page({ ...params, NextToken: next, MaxResults: wanted - kept.length });
  }
  return { ...result, [field]: kept };
}

function bodyParams(req: Request): Record<string, unknown> | undefined {
  const body: unknown = req.body;
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw ImmError.invalidArgument('The request body must be a JSON object or a form.');
  return body as Record<string, unknown>;
}
