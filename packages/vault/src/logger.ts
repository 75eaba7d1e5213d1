/**
 * The one logging seam of Alter. Every package logs through a {@link Logger}; nothing in Alter
 * ever passes a token, a refresh token, a client secret or a key to it.
 */

/** Structured fields attached to a log line. Values must never be secrets. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Minimal logger interface; adapters for pino/winston/console are one-liners. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function debugEnabled(): boolean {
  const spec = process.env.DEBUG ?? '';
  // `DEBUG=alter:*`, `DEBUG=alter:vault`, `DEBUG=*`: the usual `debug`-package conventions.
  return spec.split(/[\s,]+/).some((p) => p === '*' || p === 'alter:*' || p.startsWith('alter:'));
}

function format(level: string, message: string, fields?: LogFields): string {
  const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : '';
  return `[alter] ${level}: ${message}${extra}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserializable fields]';
  }
}

/**
 * The default logger: silent except warnings and errors (stderr); debug and info lines appear
 * when `DEBUG` contains `alter:*` (or `*`).
 *
 * @example
 * const log = createDefaultLogger();
 * log.warn('using a generated development key');
 */
export function createDefaultLogger(): Logger {
  const verbose = debugEnabled();
  return {
    debug(message, fields) {
      if (verbose) console.error(format('debug', message, fields));
    },
    info(message, fields) {
      if (verbose) console.error(format('info', message, fields));
    },
    warn(message, fields) {
      console.warn(format('warn', message, fields));
    },
    error(message, fields) {
      console.error(format('error', message, fields));
    },
  };
}

/** A logger that drops everything (useful in benchmarks). */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
