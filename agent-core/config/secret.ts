// A secret value that prints as [redacted] everywhere (logs, errors, JSON, util.inspect); `reveal()` is the only way out.
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** Replace every occurrence of each secret in a text (for error messages that quote URLs, bodies or output). */
export function redact(text: string, secrets: Iterable<Secret | string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    if (value && value.length >= 4) out = out.split(value).join('[redacted]');
  }
  return out;
}
