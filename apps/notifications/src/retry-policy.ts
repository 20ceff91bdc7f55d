import { WEBHOOK_RETRY_DELAYS_MS } from '@simclust/contracts';

/** What one HTTP attempt produced. */
export interface AttemptResult {
  /** The HTTP status, absent when no answer came (refused connection, time-out, blocked address). */
  status?: number;
  retryAfter?: string;
  latencyMs: number;
  /** The response body (at most 1 KB) or what went wrong. */
  error?: string;
  /** The URL can never be delivered to (its address is not allowed, or it is not an http(s) URL). */
  permanent?: boolean;
}

export type AttemptOutcome =
  | { status: 'Succeeded' | 'Failed' | 'Disabled' }
  | { status: 'Pending'; nextAttemptAt: Date };

/** Delays of ±10 % keep receivers that fail together from being retried together. */
const JITTER = 0.1;
/** A Retry-After beyond this is not waited for in full; the schedule's own maximum is 10 h. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

export class RetryPolicy {
  /** `delays[i]` is the wait before attempt i (attempt 0 is the first, normally immediate). */
  constructor(
    readonly delays: readonly number[] = WEBHOOK_RETRY_DELAYS_MS,
    private readonly random: () => number = Math.random,
  ) {
    if (delays.length === 0) throw new Error('the webhook retry schedule needs at least one attempt');
  }

  get maxAttempts(): number {
    return this.delays.length;
  }

  /** When attempt `attempt` (0-based) is due, counted from `from` (the event, or the previous attempt). */
  dueAt(attempt: number, from: Date): Date {
    return new Date(from.getTime() + this.jittered(this.delays[attempt] ?? 0));
  }

  /**
   * 2xx succeeds, 410 Gone disables the target, a permanent problem fails at once; anything else is retried on the
   * schedule, no sooner than Retry-After, until the schedule runs out.
   */
  decide(result: AttemptResult, attemptsMade: number, now: Date): AttemptOutcome {
    if (result.status !== undefined && result.status >= 200 && result.status < 300) return { status: 'Succeeded' };
    if (result.status === 410) return { status: 'Disabled' };
    if (result.permanent || attemptsMade >= this.maxAttempts) return { status: 'Failed' };
    const scheduled = this.dueAt(attemptsMade, now).getTime();
    const retryAfter = retryAfterMs(result.retryAfter, now);
    const at = Math.max(scheduled, retryAfter === undefined ? 0 : now.getTime() + Math.min(retryAfter, MAX_RETRY_AFTER_MS));
    return { status: 'Pending', nextAttemptAt: new Date(at) };
  }

  private jittered(delayMs: number): number {
    return Math.round(delayMs * (1 + (this.random() * 2 - 1) * JITTER));
  }
}

/** `Retry-After` as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // HTTP dates name a weekday and month; a bare number such as -5 would otherwise parse as a year.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
