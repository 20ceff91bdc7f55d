import { ExitCode, exitCodeForStatus } from './exit-codes';

describe('exitCodeForStatus', () => {
  it.each([
    [401, ExitCode.Auth],
    [403, ExitCode.Auth],
    [404, ExitCode.NotFound],
    [400, ExitCode.Usage],
    [409, ExitCode.Failed],
    [429, ExitCode.Failed],
    [500, ExitCode.Failed],
    [503, ExitCode.Failed],
  ])('maps HTTP %i to exit code %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });

  it('keeps the documented numbers scripts rely on', () => {
    expect(ExitCode).toEqual({ Success: 0, Failed: 1, Usage: 2, Unreachable: 3, Auth: 4, NotFound: 5 });
  });
});
