// The one mapping from IMM error codes to HTTP statuses; every app raises ImmError and lets its filter answer.

export const ErrorCodes = {
  InvalidArgument: 'InvalidArgument',
  InvalidJSON: 'InvalidJSON',
  InvalidNextToken: 'InvalidNextToken',
  LimitExceededError: 'LimitExceededError',
  InvalidAccessKeyId: 'InvalidAccessKeyId',
  AccessDenied: 'AccessDenied',
  ResourceNotFound: 'ResourceNotFound',
  ResourceAlreadyExists: 'ResourceAlreadyExists',
  Throttling: 'Throttling',
  InternalError: 'InternalError',
  ServiceUnavailable: 'ServiceUnavailable',
} as const;

/** A fixed code, or the parameter-specific `Missing<Param>` / `Invalid<Param>` families of IMM. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | `Missing${string}` | `Invalid${string}`;

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCodes.InvalidAccessKeyId:
      return 401;
    case ErrorCodes.AccessDenied:
      return 403;
    case ErrorCodes.ResourceNotFound:
      return 404;
    case ErrorCodes.ResourceAlreadyExists:
      return 409;
    case ErrorCodes.Throttling:
      return 429;
    case ErrorCodes.InternalError:
      return 500;
    case ErrorCodes.ServiceUnavailable:
      return 503;
    case ErrorCodes.InvalidArgument:
    case ErrorCodes.InvalidJSON:
    case ErrorCodes.InvalidNextToken:
    case ErrorCodes.LimitExceededError:
      return 400;
    default:
      if (/^(Missing|Invalid)[A-Z]\w*$/.test(code)) return 400;
      return 500;
  }
}

export class ImmError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ImmError';
    this.status = httpStatusFor(code);
  }

  static invalidArgument(message: string): ImmError {
    return new ImmError(ErrorCodes.InvalidArgument, message);
  }

  static missing(param: string): ImmError {
    return new ImmError(`Missing${param}`, param === 'Action' ? 'Action is mandatory: name the operation to run.' : `${param} is mandatory for this action.`);
  }

  static invalid(param: string, detail?: string): ImmError {
    return new ImmError(`Invalid${param}`, detail ? `Specified parameter ${param} is not valid: ${detail}` : `Specified parameter ${param} is not valid.`);
  }

  static invalidJson(param: string, detail?: string): ImmError {
    return new ImmError(ErrorCodes.InvalidJSON, `Array parsing error, ${param}${detail ? `: ${detail}` : ''}.`);
  }

  static limitExceeded(message: string): ImmError {
    return new ImmError(ErrorCodes.LimitExceededError, message);
  }

  static notFound(resourceType: string, name?: string): ImmError {
    const suffix = name ? ` (${name})` : '';
    return new ImmError(ErrorCodes.ResourceNotFound, `The specified resource ${resourceType} is not found${suffix}.`);
  }

  static alreadyExists(resourceType: string, name?: string): ImmError {
    const suffix = name ? ` (${name})` : '';
    return new ImmError(ErrorCodes.ResourceAlreadyExists, `The specified resource ${resourceType} already exists${suffix}.`);
  }

  static unauthenticated(reason: string): ImmError {
    return new ImmError(ErrorCodes.InvalidAccessKeyId, reason);
  }

  static accessDenied(action: string, resource: string): ImmError {
    return new ImmError(ErrorCodes.AccessDenied, `The access key is not allowed to perform ${action} on ${resource}.`);
  }

  static throttled(scope: string, retryAfterSeconds: number): ImmError {
    return new ImmError(ErrorCodes.Throttling, `Request rate of ${scope} exceeds its limit; retry later.`, retryAfterSeconds);
  }

  static internal(): ImmError {
    return new ImmError(ErrorCodes.InternalError, 'The request processing has failed due to some unknown error.');
  }

  static unavailable(what: string): ImmError {
    return new ImmError(ErrorCodes.ServiceUnavailable, `The service is temporarily unavailable: ${what}.`);
  }
}

/** IMM's error body. */
export interface ImmErrorBody {
  RequestId: string;
  Code: string;
  Message: string;
}
