/** Exit codes scripts can rely on (documented in --help and the README). */
export const ExitCode = {
  Success: 0,
  /** The operation ran and failed: a task Failed, some files could not be indexed, the gateway refused the call. */
  Failed: 1,
  Usage: 2,
  Unreachable: 3,
  Auth: 4,
  NotFound: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  the operation failed (a task Failed, some files failed to index, the gateway refused the call)
  2  usage error (bad arguments, a missing or empty folder)
  3  cannot reach the gateway
  4  authentication or authorization refused (wrong or missing key, AccessDenied)
  5  not found (project, dataset or task)`;

/** An expected failure: printed as one line `simclust: <message>` and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The exit code for a gateway answer that is not 200. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.Auth;
  if (status === 404) return ExitCode.NotFound;
  // A 400 means the arguments the user gave (names, filters) were refused.
  if (status === 400) return ExitCode.Usage;
  return ExitCode.Failed;
}
