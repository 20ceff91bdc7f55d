import { WEBHOOK_RETRY_DELAYS_MS } from '@simclust/contracts';
import { RetryPolicy, retryAfterMs } from './retry-policy';

const now = new Date('2026-05-01T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);

describe('RetryPolicy', () => {
  it("follows contract.md's schedule by default: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    const exact = new RetryPolicy(undefined, () => 0.5);
    expect(exact.maxAttempts).toBe(8);
    expect(WEBHOOK_RETRY_DELAYS_MS.map((_, i) => exact.dueAt(i, now).getTime() - now.getTime())).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  it('jitters each delay within ±10 %', () => {
    expect(new RetryPolicy(undefined, () => 0).dueAt(2, now)).toEqual(at(270_000));
    expect(new RetryPolicy(undefined, () => 0.999999).dueAt(2, now).getTime()).toBeCloseTo(now.getTime() + 330_000, -1);
  });

  it('succeeds on any 2xx, disables on 410, fails at once on a permanent problem', () => {
    const policy = new RetryPolicy();
    expect(policy.decide({ status: 200, latencyMs: 1 }, 1, now)).toEqual({ status: 'Succeeded' });
    expect(policy.decide({ status: 204, latencyMs: 1 }, 1, now)).toEqual({ status: 'Succeeded' });
    expect(policy.decide({ status: 410, latencyMs: 1 }, 1, now)).toEqual({ status: 'Disabled' });
    expect(policy.decide({ latencyMs: 1, error: 'blocked', permanent: true }, 1, now)).toEqual({ status: 'Failed' });
  });

  it('retries redirects, other statuses and time-outs on the schedule until it runs out', () => {
    const policy = new RetryPolicy([0, 1_000, 2_000], () => 0.5);
    expect(policy.decide({ status: 302, latencyMs: 1 }, 1, now)).toEqual({ status: 'Pending', nextAttemptAt: at(1_000) });
    expect(policy.decide({ latencyMs: 10_000, error: 'time-out' }, 2, now)).toEqual({ status: 'Pending', nextAttemptAt: at(2_000) });
    expect(policy.decide({ status: 500, latencyMs: 1 }, 3, now)).toEqual({ status: 'Failed' });
  });

  it('waits for Retry-After when it is later than the schedule, and for the schedule otherwise', () => {
    const policy = new RetryPolicy([0, 5_000, 300_000], () => 0.5);
    expect(policy.decide({ status: 503, retryAfter: '120', latencyMs: 1 }, 1, now)).toEqual({ status: 'Pending', nextAttemptAt: at(120_000) });
    expect(policy.decide({ status: 429, retryAfter: '1', latencyMs: 1 }, 1, now)).toEqual({ status: 'Pending', nextAttemptAt: at(5_000) });
    expect(policy.decide({ status: 503, retryAfter: at(600_000).toUTCString(), latencyMs: 1 }, 2, now)).toEqual({ status: 'Pending', nextAttemptAt: at(600_000) });
    expect(policy.decide({ status: 503, retryAfter: '999999999', latencyMs: 1 }, 1, now)).toEqual({ status: 'Pending', nextAttemptAt: at(24 * 3600 * 1000) });
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Fri, 01 May 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
