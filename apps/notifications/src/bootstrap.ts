import 'reflect-metadata';
import { Consumers } from '@simclust/contracts';
import { loadConfig } from '@simclust/config';
import { startWorkerApp, type WorkerApp } from '@simclust/runtime';
import { NotificationsModule } from './notifications.module';
import { TASK_EVENTS_PATTERN } from './task-events.controller';

/** Task events handled at once; each only writes a few rows. */
const EVENT_CONCURRENCY = 8;

/** Starts the notifications app; `port` 0 picks a free port (tests). */
export function startNotifications(options: { port?: number } = {}): Promise<WorkerApp> {
  const config = loadConfig('notifications');
  return startWorkerApp(NotificationsModule.forRoot(), {
    name: 'notifications',
    port: options.port ?? config.NOTIFICATIONS_PORT,
    bindings: [{ pattern: TASK_EVENTS_PATTERN, stream: Consumers.notifications.stream, durable: Consumers.notifications.durable, concurrency: EVENT_CONCURRENCY }],
  });
}
