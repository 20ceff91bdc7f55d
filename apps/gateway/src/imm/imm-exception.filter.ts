import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ImmError, newRequestId, type ImmErrorBody } from '@simclust/contracts';
import { LOGGER } from '@simclust/runtime';
import type { Logger } from '@simclust/observability';

/** Errors raised outside the dispatcher (body parsing, unknown routes) answer in IMM's error format too. */
@Catch()
export class ImmExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = this.toImmError(exception);
    const body: ImmErrorBody = { RequestId: newRequestId(), Code: error.code, Message: error.message };
    if (error.status >= 500) this.log.error({ err: exception, requestId: body.RequestId }, 'unhandled error');
    res.status(error.status).json(body);
  }

  private toImmError(exception: unknown): ImmError {
    if (exception instanceof ImmError) return exception;
    const e = exception as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') return new ImmError('InvalidJSON', 'The request body is not valid JSON.');
    if (e?.type === 'entity.too.large') return ImmError.limitExceeded('The request body is too large.');
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return ImmError.notFound('route');
      if (status < 500) return ImmError.invalidArgument(exception.message);
    }
    return ImmError.internal();
  }
}
