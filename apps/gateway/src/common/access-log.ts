import type { NextFunction, Request, Response } from 'express';
import { newRequestId } from '@simclust/contracts';
import type { Logger } from '@simclust/observability';

/** IMM SDKs can send a 100-file batch in the query string: an access line keeps the start of such a URL. */
const MAX_LOGGED_URL = 2048;

/** The IMM action and answer code of a call, noted by whoever answered it, for its access line. */
export function noteCall(res: Response, action: string, code: string): void {
  res.locals.immAction = action;
  res.locals.immCode = code;
}

/** The id the access log gave the request, so its line and the answer share one RequestId. */
export function requestIdOf(req: Request | undefined): string {
  const id = (req as (Request & { id?: unknown }) | undefined)?.id;
  return typeof id === 'string' ? id : newRequestId();
}

/**
 * One structured line per request, at info, written when the answer is sent or the client goes away: RequestId,
 * method, URL, status, IMM action and code, milliseconds. It runs on every call, so it stays cheap: no child logger
 * per request and no headers (those are added at debug, Authorization redacted by the logger).
 */
export function accessLog(log: Logger, skip: (url: string) => boolean) {
  const withHeaders = log.isLevelEnabled('debug');
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = newRequestId();
    (req as Request & { id?: string }).id = requestId;
    if (skip(req.url)) return next();
    const started = performance.now();
    res.once('close', () => {
      const url = req.originalUrl.length > MAX_LOGGED_URL ? `${req.originalUrl.slice(0, MAX_LOGGED_URL)}…` : req.originalUrl;
      log.info(
        {
          requestId,
          req: withHeaders ? { method: req.method, url, headers: req.headers } : { method: req.method, url },
          res: { statusCode: res.writableFinished ? res.statusCode : null },
          action: res.locals.immAction as string | undefined,
          code: res.locals.immCode as string | undefined,
          responseTime: Math.round(performance.now() - started),
        },
        res.writableFinished ? 'request completed' : 'request aborted',
      );
    });
    next();
  };
}
