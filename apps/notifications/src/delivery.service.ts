import { Inject, Injectable } from '@nestjs/common';
import { WEBHOOK_TIMEOUT_MS } from '@simclust/contracts';
import { DeliveryStatus } from '@simclust/db';
import { counter, histogram, type Logger } from '@simclust/observability';
import { LOGGER, METRICS, SECRET_BOX } from '@simclust/runtime';
import type { Registry } from 'prom-client';
import type { SecretBox } from '@simclust/secrets';
import { DeliveriesRepository } from './deliveries.repository';
import { NotificationQueues } from './queues';
import { RetryPolicy } from './retry-policy';
import { WebhookSender } from './webhook-sender';

/** How long a claimed attempt may take before the reconciler treats its process as gone. */
const ATTEMPT_LEASE_MS = WEBHOOK_TIMEOUT_MS * 3;

export type AttemptVerdict = 'stale' | 'target-gone' | DeliveryStatus;

/** Makes one attempt of one delivery and records it; the next attempt, if any, is scheduled here. */
@Injectable()
export class DeliveryService {
  private readonly attempts;
  private readonly latency;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly queues: NotificationQueues,
    private readonly sender: WebhookSender,
    private readonly policy: RetryPolicy,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.attempts = counter(metrics, 'simclust_webhook_attempts_total', 'Webhook delivery attempts by outcome', ['status']);
    this.latency = histogram(metrics, 'simclust_webhook_attempt_seconds', 'Webhook delivery attempt latency');
  }

  /** `attemptsMade` is the job's attempt index: a job whose attempt was already made (or taken elsewhere) is stale. */
  async attempt(deliveryId: string, attemptsMade: number): Promise<AttemptVerdict> {
    const found = await this.deliveries.forAttempt(deliveryId);
    if (!found || found.delivery.status !== DeliveryStatus.Pending || found.delivery.attempts !== attemptsMade) return 'stale';
    const { delivery } = found;
    if (found.targetGone || !found.secretEnc) {
      await this.deliveries.markTargetGone(delivery.id);
      return 'target-gone';
    }
    if (!(await this.deliveries.claim(delivery.id, attemptsMade, new Date(Date.now() + ATTEMPT_LEASE_MS)))) return 'stale';

    const secret = this.unseal(found.secretEnc);
    // A secret sealed under another SECRETS_KEY can never be used: fail the delivery once instead of retrying for ever.
    const result =
      secret === undefined
        ? { latencyMs: 0, error: 'The signing secret cannot be decrypted with the current SECRETS_KEY.', permanent: true }
        : await this.sender.send({ url: delivery.url, webhookId: delivery.eventId, body: delivery.body, secret });
    const attempt = attemptsMade + 1;
    const now = new Date();
    const outcome = this.policy.decide(result, attempt, now);
    const endpointId = delivery.endpointId;
    await this.deliveries.record({
      deliveryId: delivery.id,
      attempt,
      status: outcome.status,
      responseCode: result.status,
      latencyMs: result.latencyMs,
      error: result.error,
      nextAttemptAt: outcome.status === 'Pending' ? outcome.nextAttemptAt : undefined,
      disableEndpoint: outcome.status === 'Disabled' && endpointId ? { id: endpointId, reason: `${delivery.url} answered 410 Gone` } : undefined,
    });
    this.attempts.inc({ status: outcome.status });
    this.latency.observe(result.latencyMs / 1000);
    this.log.info(
      { deliveryId: delivery.id, eventId: delivery.eventId, taskId: delivery.taskId, attempt, status: outcome.status, responseCode: result.status, latencyMs: result.latencyMs },
      'webhook attempt',
    );
    if (outcome.status === 'Pending') {
      // If this enqueue is lost (Redis down), the reconciler finds the pending delivery and enqueues it.
      await this.queues.scheduleNextAttempt({ id: delivery.id, attempts: attempt, nextAttemptAt: outcome.nextAttemptAt }).catch((err: unknown) =>
        this.log.warn({ err, deliveryId: delivery.id }, 'could not enqueue the next attempt; the reconciler will'),
      );
    }
    return outcome.status;
  }

  private unseal(sealed: string): string | undefined {
    try {
      return this.box.decrypt(sealed);
    } catch {
      return undefined;
    }
  }
}
