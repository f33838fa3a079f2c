import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** Structured JSON logs on stdout; one line per event, fields rather than prose. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'tandem-sync' },
    // Tokens travel in query strings; never let one reach a log line through a logged URL.
    redact: { paths: ['token', '*.token', 'url', '*.url', 'secret', '*.secret'], censor: '[redacted]' },
  });
}
