import { exitOnSignals } from '@simclust/runtime';
import { startGateway } from './bootstrap';

startGateway().then(
  (gateway) => exitOnSignals('gateway', gateway, 15_000),
  (err: unknown) => {
    process.stderr.write(`gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
