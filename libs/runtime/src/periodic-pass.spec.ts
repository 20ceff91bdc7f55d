import pino from 'pino';
import { PeriodicPass } from './periodic-pass';

describe('PeriodicPass', () => {
  it('runs at start and on its interval, never two passes at once, and keeps going after a failed pass', async () => {
    let running = 0;
    let overlapped = false;
    let calls = 0;
    const reported: number[] = [];
    const pass = new PeriodicPass(
      'spec pass',
      async () => {
        calls++;
        overlapped ||= running > 0;
        running++;
        await new Promise((r) => setTimeout(r, 30));
        running--;
        if (calls === 2) throw new Error('transient');
        return calls;
      },
      (n) => reported.push(n),
      pino({ level: 'silent' }),
    );
    pass.start(10);
    await new Promise((r) => setTimeout(r, 200));
    await pass.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(overlapped).toBe(false);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(reported).not.toContain(2);
    expect(reported).toContain(3);
    expect(calls).toBe(after);
  });
});
