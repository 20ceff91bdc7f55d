import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ImmError, type ImmErrorBody } from '@simclust/contracts';
import { LOGGER } from '@simclust/runtime';
import type { Logger } from '@simclust/observability';
import { noteCall, requestIdOf } from '../common/access-log';

/** Errors raised outside the dispatcher (body parsing, unknown routes) answer in IMM's error format too. */
@Catch()
export class ImmExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const error = toImmError(exception);
    const body: ImmErrorBody = { RequestId: requestIdOf(http.getRequest<Request | undefined>()), Code: error.code, Message: error.message };
    if (error.status >= 500) this.log.error({ err: exception, requestId: body.RequestId }, 'unhandled error');
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    res.status(error.status).json(body);
    noteCall(res, 'unknown', error.code);
  }
}

function toImmError(exception: unknown): ImmError {
  if (exception instanceof ImmError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return ImmError.notFound('route');
    if (status < 500) return ImmError.invalidArgument(exception.message);
  }
  return ImmError.internal();
}
