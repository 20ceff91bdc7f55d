/** A file that cannot be turned into features; `reason` is the stable, user-facing Reason text. */
export class FeatureExtractionError extends Error {
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'FeatureExtractionError';
    this.reason = reason;
  }
}
