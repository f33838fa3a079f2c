import pino, { type Logger } from 'pino';

export type { Logger };

/** The levels LOG_LEVEL accepts (pino's, and 'silent'). */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Structured JSON logs on stdout; one line per event, fields rather than prose. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'tandem-sync' },
    // Tokens travel in query strings; never let one reach a log line through a logged URL.
    redact: { paths: ['token', '*.token', 'url', '*.url', 'secret', '*.secret'], censor: '[redacted]' },
  });
}
