import { startGateway } from './bootstrap';

async function main(): Promise<void> {
  const gateway = await startGateway();
  const stop = (signal: string) => {
    const grace = setTimeout(() => process.exit(1), 15_000);
    grace.unref();
    void gateway.close().then(() => process.exit(0), () => process.exit(1));
    process.stderr.write(`gateway: ${signal} received, shutting down\n`);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
