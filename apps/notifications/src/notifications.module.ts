import { Module, type DynamicModule } from '@nestjs/common';
import { WEBHOOK_RETRY_DELAYS_MS } from '@simclust/contracts';
import type { NotificationsConfig } from '@simclust/config';
import { CONFIG, RuntimeModule, TaskLifecycle } from '@simclust/runtime';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryService } from './delivery.service';
import { NotificationQueues } from './queues';
import { Reconciler } from './reconciler.service';
import { RetryPolicy } from './retry-policy';
import { TaskEventsController } from './task-events.controller';
import { WebhookSender } from './webhook-sender';
import { NotificationWorkers } from './workers';

/** Built per start (not at import), so each instance gets its own configuration and connections. */
@Module({})
export class NotificationsModule {
  static forRoot(): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [RuntimeModule.forApp({ app: 'notifications', uses: { redis: true, nats: true } })],
      controllers: [TaskEventsController],
      providers: [
        { provide: RetryPolicy, inject: [CONFIG], useFactory: (c: NotificationsConfig) => new RetryPolicy(c.WEBHOOK_RETRY_DELAYS_MS ?? WEBHOOK_RETRY_DELAYS_MS) },
        { provide: WebhookSender, inject: [CONFIG], useFactory: (c: NotificationsConfig) => new WebhookSender(c.ALLOW_PRIVATE_NETWORK) },
        TaskLifecycle,
        DeliveriesRepository,
        NotificationQueues,
        DeliveryService,
        NotificationWorkers,
        Reconciler,
      ],
    };
  }
}
