import { loadConfig } from '@simclust/config';
import { exitOnSignals } from '@simclust/runtime';
import { startNotifications } from './bootstrap';

startNotifications().then(
  (app) => exitOnSignals('notifications', app, loadConfig('notifications').SHUTDOWN_GRACE_MS),
  (err: unknown) => {
    process.stderr.write(`notifications: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
