import { Inject, Injectable } from '@nestjs/common';
import { DeliveryStatus, type Db, type WebhookDelivery, type WebhookDeliveryAttempt, type WebhookEndpoint } from '@simclust/db';
import { ImmError, WEBHOOK_ENDPOINTS_PER_PROJECT, newEndpointId } from '@simclust/contracts';
import { DB } from '@simclust/runtime';

/** A keyset position over (createdAt, id). */
export interface CreatedCursor {
  createdAt: Date;
  id: string;
}

export type AttemptWithDelivery = WebhookDeliveryAttempt & { delivery: Pick<WebhookDelivery, 'id' | 'endpointId' | 'targetKey' | 'url' | 'taskId' | 'eventId'> };

export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  description?: string;
  secretEnc: string;
}

type AfterFilter = { OR?: Array<{ createdAt: Date | { gt: Date }; id?: { gt: string } }> };

function after(cursor: CreatedCursor | undefined): AfterFilter {
  if (!cursor) return {};
  return { OR: [{ createdAt: { gt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { gt: cursor.id } }] };
}

@Injectable()
export class WebhooksRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async projectId(projectName: string): Promise<string> {
    const project = await this.db.project.findUnique({ where: { name: projectName }, select: { id: true } });
    if (!project) throw ImmError.notFound('project', projectName);
    return project.id;
  }

  /** Creates an endpoint unless the project already holds its maximum (counted under a row lock on the project). */
  createEndpoint(projectId: string, endpoint: NewEndpoint): Promise<WebhookEndpoint> {
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM "Project" WHERE "id" = ${projectId} FOR UPDATE`;
      const count = await tx.webhookEndpoint.count({ where: { projectId } });
      if (count >= WEBHOOK_ENDPOINTS_PER_PROJECT) {
        throw ImmError.limitExceeded(`A project holds at most ${WEBHOOK_ENDPOINTS_PER_PROJECT} webhook endpoints.`);
      }
      return tx.webhookEndpoint.create({
        data: { id: newEndpointId(), projectId, url: endpoint.url, eventTypes: endpoint.eventTypes, description: endpoint.description, secretEnc: endpoint.secretEnc },
      });
    });
  }

  listEndpoints(projectId: string, take: number, cursor?: CreatedCursor): Promise<WebhookEndpoint[]> {
    return this.db.webhookEndpoint.findMany({
      where: { AND: [{ projectId }, after(cursor)] },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
    });
  }

  async endpointExists(projectId: string, endpointId: string): Promise<boolean> {
    return (await this.db.webhookEndpoint.count({ where: { id: endpointId, projectId } })) > 0;
  }

  /** Deletes the endpoint; its pending deliveries stop (their history stays, found by TaskId). */
  async deleteEndpoint(projectId: string, endpointId: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const { count } = await tx.webhookEndpoint.deleteMany({ where: { id: endpointId, projectId } });
      if (count === 0) throw ImmError.notFound('webhook endpoint', endpointId);
      await tx.webhookDelivery.updateMany({ where: { projectId, targetKey: endpointId, status: DeliveryStatus.Pending }, data: { status: DeliveryStatus.Disabled } });
    });
  }

  /** Attempts of the project's deliveries to one target and/or of one task, oldest first. */
  listAttempts(filter: { projectId: string; targetKey?: string; taskId?: string }, take: number, cursor?: CreatedCursor): Promise<AttemptWithDelivery[]> {
    return this.db.webhookDeliveryAttempt.findMany({
      where: {
        AND: [
          { delivery: { projectId: filter.projectId, ...(filter.targetKey ? { targetKey: filter.targetKey } : {}), ...(filter.taskId ? { taskId: filter.taskId } : {}) } },
          after(cursor),
        ],
      },
      include: { delivery: { select: { id: true, endpointId: true, targetKey: true, url: true, taskId: true, eventId: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
    });
  }
}
