import { z } from 'zod';
import { Limits, TASK_TYPES, eventType } from '@simclust/contracts';
import { defineAction } from '../imm/action';
import { description, maxResults, nextToken, resourceName } from '../imm/params';
import type { WebhooksService } from './webhooks.service';

const KNOWN_EVENT_TYPES = new Set(['*', ...TASK_TYPES.map(eventType)]);

const eventTypes = z
  .array(z.string().refine((t) => KNOWN_EVENT_TYPES.has(t), { message: `each must be * or one of ${[...KNOWN_EVENT_TYPES].filter((t) => t !== '*').join(', ')}` }))
  .refine((a) => a.length <= Limits.eventTypes, { message: `EventTypes holds more than ${Limits.eventTypes} items`, params: { immCode: 'LimitExceededError' } });

const endpointId = z.string().min(1).max(128);
const projectScope = (p: { ProjectName: string }) => ({ kind: 'project' as const, project: p.ProjectName });

const EndpointView = z.object({
  EndpointId: z.string(),
  URL: z.string(),
  EventTypes: z.array(z.string()),
  Description: z.string(),
  CreateTime: z.string(),
});

const DeliveryView = z.object({
  DeliveryId: z.string(),
  EndpointId: z.string().optional(),
  URL: z.string(),
  TaskId: z.string(),
  EventId: z.string(),
  Attempt: z.number(),
  Status: z.enum(['Pending', 'Succeeded', 'Failed', 'Disabled']),
  ResponseCode: z.number().optional(),
  LatencyMs: z.number().optional(),
  Error: z.string(),
  CreateTime: z.string(),
});

export function webhookActions(service: WebhooksService) {
  return [
    defineAction({
      action: 'CreateWebhookEndpoint',
      summary: "Add a webhook endpoint that receives the project's task events; returns its signing secret once.",
      params: z.object({
        ProjectName: resourceName,
        URL: z.string().min(1).max(2048),
        EventTypes: eventTypes.optional(),
        Description: description.optional(),
      }),
      resource: projectScope,
      rest: { method: 'POST', path: '/v1/projects/:ProjectName/webhook-endpoints' },
      response: z.object({ WebhookEndpoint: EndpointView.extend({ Secret: z.string() }) }),
      handle: (p) => service.createEndpoint(p.ProjectName, p.URL, p.EventTypes ?? [], p.Description),
    }),
    defineAction({
      action: 'ListWebhookEndpoints',
      summary: 'List the webhook endpoints of a project (never their secrets).',
      params: z.object({ ProjectName: resourceName, NextToken: nextToken, MaxResults: maxResults }),
      resource: projectScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/webhook-endpoints' },
      response: z.object({
        WebhookEndpoints: z.array(
          EndpointView.extend({ Status: z.enum(['Enabled', 'Disabled']), DisableTime: z.string().optional(), DisableReason: z.string().optional() }),
        ),
        NextToken: z.string().optional(),
      }),
      handle: (p) => service.listEndpoints(p.ProjectName, p.MaxResults, p.NextToken),
    }),
    defineAction({
      action: 'DeleteWebhookEndpoint',
      summary: 'Delete a webhook endpoint; its pending deliveries stop.',
      params: z.object({ ProjectName: resourceName, EndpointId: endpointId }),
      resource: projectScope,
      rest: { method: 'DELETE', path: '/v1/projects/:ProjectName/webhook-endpoints/:EndpointId' },
      handle: (p) => service.deleteEndpoint(p.ProjectName, p.EndpointId),
    }),
    defineAction({
      action: 'ListWebhookDeliveries',
      summary: 'List webhook delivery attempts to one endpoint or of one task, oldest first.',
      params: z
        .object({ ProjectName: resourceName, EndpointId: endpointId.optional(), TaskId: z.string().min(1).max(256).optional(), NextToken: nextToken, MaxResults: maxResults })
        .refine((p) => p.EndpointId !== undefined || p.TaskId !== undefined, { message: 'give EndpointId or TaskId', path: ['EndpointId'] }),
      resource: projectScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/webhook-deliveries' },
      response: z.object({ Deliveries: z.array(DeliveryView), NextToken: z.string().optional() }),
      handle: (p) => service.listDeliveries(p.ProjectName, { endpointId: p.EndpointId, taskId: p.TaskId }, p.MaxResults, p.NextToken),
    }),
  ];
}
