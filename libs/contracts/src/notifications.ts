import type { TaskEvent } from './messaging';

/** Webhook retry schedule (contract.md): the delay before each attempt after the first. */
export const WEBHOOK_RETRY_DELAYS_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const WEBHOOK_TIMEOUT_MS = 10_000;
export const WEBHOOK_RESPONSE_KEEP_BYTES = 1024;

export function eventType(taskType: string): string {
  return `imm:Task:${taskType}`;
}

/** IMM's message envelope; `id` is the task's EventId and doubles as the Standard Webhooks `webhook-id`. */
export interface MessageEnvelope {
  id: string;
  source: 'acs.imm';
  type: string;
  subject: string;
  time: string;
  content: string;
}

export function buildEnvelope(event: TaskEvent, region: string, account: string): MessageEnvelope {
  const type = eventType(event.taskType);
  return {
    id: event.eventId,
    source: 'acs.imm',
    type,
    subject: `acs:imm:${region}:${account}:${event.projectName}/${type}`,
    time: String(event.time),
    content: JSON.stringify(event.content),
  };
}

/** A project's webhook endpoints are capped so one task event fans out to a bounded number of deliveries. */
export const WEBHOOK_ENDPOINTS_PER_PROJECT = 100;

/** `WebhookDelivery.targetKey` of the task's own `Notification.Webhook.URL`; endpoint deliveries use the endpoint id. */
export const TASK_WEBHOOK_TARGET = 'task';

/** An endpoint's EventTypes: empty or `*` takes every event, otherwise the listed `imm:Task:<TaskType>` types. */
export function endpointTakes(eventTypes: readonly string[], type: string): boolean {
  return eventTypes.length === 0 || eventTypes.includes('*') || eventTypes.includes(type);
}
