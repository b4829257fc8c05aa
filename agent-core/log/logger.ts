// The one structured logger (pino): JSON lines on stdout, levels from MONO_LOG_LEVEL, secret fields redacted.
import { type Logger, pino } from 'pino';

export type { Logger };

/** Field paths that may carry credentials; pino replaces their values before anything is written. */
const REDACT_PATHS = [
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.pass',
  '*.secret',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["x-telegram-bot-api-secret-token"]',
  'token',
  'apiKey',
  'password',
  'secret',
  'authorization',
];

export function createLogger(
  options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.name ? { name: options.name } : null,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}

/** A logger that writes nothing, for unit tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
