import { Inject, Injectable } from '@nestjs/common';
import { ImmError, TASK_WEBHOOK_TARGET } from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import type { WebhookEndpoint } from '@simclust/db';
import { checkPublicUrl } from '@simclust/netguard';
import { CONFIG, SECRET_BOX } from '@simclust/runtime';
import { generateWebhookSecret, type SecretBox } from '@simclust/secrets';
import { rfc3339 } from '../common/time';
import { PageTokens, paginate, type PagePosition } from '../imm/page-token';
import { WebhooksRepository, type AttemptWithDelivery, type CreatedCursor } from './webhooks.repository';

/** A webhook endpoint as listed; the signing secret is shown only by CreateWebhookEndpoint. */
export function endpointView(e: WebhookEndpoint) {
  return {
    EndpointId: e.id,
    URL: e.url,
    EventTypes: e.eventTypes,
    Description: e.description ?? '',
    CreateTime: rfc3339(e.createdAt),
    Status: e.disabledAt ? 'Disabled' : 'Enabled',
    ...(e.disabledAt ? { DisableTime: rfc3339(e.disabledAt), DisableReason: e.disabledReason ?? '' } : {}),
  };
}

/** One entry per delivery attempt; EndpointId is absent for the task's own Notification URL. */
export function deliveryView(a: AttemptWithDelivery) {
  return {
    DeliveryId: a.delivery.id,
    ...(a.delivery.targetKey !== TASK_WEBHOOK_TARGET ? { EndpointId: a.delivery.targetKey } : {}),
    URL: a.delivery.url,
    TaskId: a.delivery.taskId,
    EventId: a.delivery.eventId,
    Attempt: a.attempt,
    Status: a.status,
    ...(a.responseCode !== null ? { ResponseCode: a.responseCode } : {}),
    ...(a.latencyMs !== null ? { LatencyMs: a.latencyMs } : {}),
    Error: a.error ?? '',
    CreateTime: rfc3339(a.createdAt),
  };
}

const createdPosition = (row: { createdAt: Date; id: string }) => ({ key: row.createdAt.getTime(), id: row.id });

function createdCursor(position: PagePosition | undefined): CreatedCursor | undefined {
  if (!position) return undefined;
  if (typeof position.key !== 'number') throw new ImmError('InvalidNextToken', 'Specified parameter NextToken is not valid.');
  return { createdAt: new Date(position.key), id: position.id };
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly tokens: PageTokens,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  async createEndpoint(projectName: string, url: string, eventTypes: string[], description?: string) {
    const projectId = await this.webhooks.projectId(projectName);
    const verdict = await checkPublicUrl(url, this.config.ALLOW_PRIVATE_NETWORK);
    if (!verdict.ok) throw ImmError.invalid('URL', `The URL ${verdict.reason}.`);
    const secret = generateWebhookSecret();
    const endpoint = await this.webhooks.createEndpoint(projectId, {
      url,
      eventTypes: [...new Set(eventTypes)],
      description,
      secretEnc: this.box.encrypt(secret),
    });
    const { Status: _status, ...view } = endpointView(endpoint);
    return { WebhookEndpoint: { ...view, Secret: secret } };
  }

  async listEndpoints(projectName: string, maxResults: number, nextToken?: string) {
    const projectId = await this.webhooks.projectId(projectName);
    const scope = `webhook-endpoints:${projectId}`;
    const rows = await this.webhooks.listEndpoints(projectId, maxResults + 1, createdCursor(this.tokens.decode(nextToken, scope)));
    const { page, nextToken: next } = paginate(rows, maxResults, createdPosition, scope, this.tokens);
    return { WebhookEndpoints: page.map(endpointView), ...(next ? { NextToken: next } : {}) };
  }

  async deleteEndpoint(projectName: string, endpointId: string) {
    const projectId = await this.webhooks.projectId(projectName);
    await this.webhooks.deleteEndpoint(projectId, endpointId);
    return {};
  }

  async listDeliveries(projectName: string, filter: { endpointId?: string; taskId?: string }, maxResults: number, nextToken?: string) {
    const projectId = await this.webhooks.projectId(projectName);
    if (filter.endpointId && !(await this.webhooks.endpointExists(projectId, filter.endpointId))) {
      throw ImmError.notFound('webhook endpoint', filter.endpointId);
    }
    const scope = `webhook-deliveries:${projectId}:${filter.endpointId ?? ''}:${filter.taskId ?? ''}`;
    const rows = await this.webhooks.listAttempts(
      { projectId, targetKey: filter.endpointId, taskId: filter.taskId },
      maxResults + 1,
      createdCursor(this.tokens.decode(nextToken, scope)),
    );
    const { page, nextToken: next } = paginate(rows, maxResults, createdPosition, scope, this.tokens);
    return { Deliveries: page.map(deliveryView), ...(next ? { NextToken: next } : {}) };
  }
}
