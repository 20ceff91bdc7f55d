import { createProgress } from './progress';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('createProgress off a terminal', () => {
  it('writes plain lines, at most one per bar per interval, and always the last state', () => {
    const { stream, written } = fakeStream(false);
    const progress = createProgress(stream, [{ label: 'sent', total: 300, unit: 'files' }], 60_000);
    progress.update(0, 100);
    progress.update(0, 200);
    progress.stop();
    expect(written).toEqual(['sent: 100/300 files\n', 'sent: 200/300 files\n']);
  });

  it('prints a finished bar at once, and a bar that never moved not at all', () => {
    const { stream, written } = fakeStream(false);
    const progress = createProgress(
      stream,
      [
        { label: 'sent', total: 2, unit: 'files' },
        { label: 'finished', total: 1, unit: 'tasks' },
      ],
      60_000,
    );
    progress.update(0, 1);
    progress.update(0, 2);
    progress.stop();
    expect(written).toEqual(['sent: 1/2 files\n', 'sent: 2/2 files\n']);
    expect(written.join('')).not.toContain('\u001b[');
  });
});
