import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON logs on stdout, one line per event; child loggers carry requestId/taskId/jobId. */
export function createLogger(app: string, level: string): Logger {
  return pino({
    level,
    base: { app },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.AccessKeySecret', '*.WebhookSecret', '*.Secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}
