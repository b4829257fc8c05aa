// The one structured logger (pino): JSON lines on stdout, levels from MONO_LOG_LEVEL, secret fields redacted, and
// every line made safe before it is written: each configured secret's value replaced wherever it appears (an
// error from a library that quotes a URL or a request), and characters that could act on a terminal (C1 controls,
// bidirectional overrides) escaped — pino already escapes C0 controls, so text a stranger chose cannot move the
// cursor, recolour or reorder what `journalctl` shows.
import { type Logger, pino } from 'pino';
import { redact, Secret } from '../config/secret.ts';

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

// Only ever inside JSON strings (pino writes the structure in ASCII): replaced by the JSON escape of themselves.
const TERMINAL_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function createLogger(
  options: {
    level?: string;
    name?: string;
    destination?: NodeJS.WritableStream;
    /** Values never to be written (the configuration's secrets: see configuredSecrets). */
    secrets?: readonly (Secret | string)[];
  } = {},
): Logger {
  const secrets = (options.secrets ?? [])
    .map((secret) => (secret instanceof Secret ? secret.reveal() : secret))
    .filter((value) => value.length >= 4);
  // A secret with a quote or backslash appears JSON-escaped in the line.
  const forms = [...new Set(secrets.flatMap((value) => [value, JSON.stringify(value).slice(1, -1)]))];
  return pino(
    {
      level: options.level ?? 'info',
      base: options.name ? { name: options.name } : null,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        streamWrite: (line) => {
          const safe = line.replace(
            TERMINAL_UNSAFE,
            (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
          );
          return forms.length > 0 && forms.some((form) => safe.includes(form)) ? redact(safe, forms) : safe;
        },
      },
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}

/** Every Secret in a configuration object (nested objects, arrays and maps), for createLogger's `secrets`. */
export function configuredSecrets(config: unknown, found: Secret[] = [], seen = new Set<object>()): Secret[] {
  if (config instanceof Secret) found.push(config);
  else if (typeof config === 'object' && config !== null && !seen.has(config)) {
    seen.add(config);
    const values = config instanceof Map ? config.values() : Object.values(config);
    for (const value of values) configuredSecrets(value, found, seen);
  }
  return found;
}

/** A logger that writes nothing, for unit tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
