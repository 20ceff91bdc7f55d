import type { GatewayConfig } from '@simclust/config';
import { CONFIG, exitOnSignals } from '@simclust/runtime';
import { startGateway } from './bootstrap';

startGateway().then(
  (gateway) => exitOnSignals('gateway', gateway, gateway.app.get<GatewayConfig>(CONFIG).SHUTDOWN_GRACE_MS),
  (err: unknown) => {
    process.stderr.write(`gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
