/** Error codes of a file's outcome, from contract.md's set. */
export type FileFailureCode = 'InvalidArgument' | 'AccessDenied' | 'LimitExceededError';

/** A file that cannot be indexed: recorded on the file (Reason) and in the task message, never retried. */
export class FileFailure extends Error {
  constructor(
    readonly code: FileFailureCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'FileFailure';
  }

  /** The `Error` of the task message's Files entry, as IMM writes it: `[InvalidArgument] File does not exist.` */
  get error(): string {
    return `[${this.code}] ${this.reason}`;
  }
}
