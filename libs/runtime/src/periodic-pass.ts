import type { Logger } from '@simclust/observability';

/** A pass blocked on an unreachable Redis or Postgres must not hold up shutdown longer than this. */
const STOP_WAIT_MS = 2_000;

/**
 * Runs a reconciliation pass at start and on a timer (a timer, not a Redis job, so it also runs after Redis lost its
 * data), one pass at a time; a failed pass is logged and tried again on the next tick.
 */
export class PeriodicPass<R> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<R>,
    private readonly report: (result: R) => void,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.race([this.running, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.pass()
      .then(this.report)
      .catch((err: unknown) => this.log.warn({ err }, `${this.name} failed; retrying on the next tick`))
      .finally(() => (this.running = undefined));
  }
}
