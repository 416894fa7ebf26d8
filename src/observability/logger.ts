import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs on stderr (stdout belongs to the CLI's output). Request logs are child loggers keyed by
 * the admission request UID, so one review can be followed across lines.
 */
export function createLogger(level: string, fd = 2): Logger {
  return pino(
    {
      level,
      base: { app: 'kube-converge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Never log credentials, even by accident of a spread object.
      redact: {
        paths: ['*.token', '*.authorization', '*.key', '*.password', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: fd, sync: false }),
  );
}

/** A logger that drops everything (tests, offline CLI commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
