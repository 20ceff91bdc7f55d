import type { NextFunction, Request, Response } from 'express';
import { ImmError } from '@simclust/contracts';

/**
 * Express error middleware placed right after the body parsers: it names body-parser failures in IMM's terms
 * before Nest turns a JSON SyntaxError into an anonymous 400.
 */
export function bodyParserErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return next(new ImmError('InvalidJSON', 'The request body is not valid JSON (a JSON body must be an object).'));
  if (type === 'entity.too.large') return next(ImmError.limitExceeded('The request body is too large.'));
  if (type === 'parameters.too.many') return next(ImmError.limitExceeded('The form has too many parameters.'));
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return next(ImmError.invalidArgument('The request body has an unsupported charset or encoding.'));
  next(err);
}
