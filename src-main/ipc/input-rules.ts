// Input rules the forms apply as the owner types and the IPC contract enforces in main: one definition each,
// free of zod and Node so the renderer bundles them without the contract's schemas.

export const PASSPHRASE_MIN_LENGTH = 10;

/** True when a value has a control character (a newline, a tab, a NUL…): never part of a key, token or passphrase. */
export function hasControlChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export const CONTROL_CHARS_MESSAGE =
  'This has a line break or another invisible control character: paste the value again, alone.';

/** More hosts than one desktop should drive at once (the CLI is there for bigger fleets). */
export const FLEET_MAX_HOSTS = 500;
/** The Fleet screen's defaults: those of `mono fleet deploy`. */
export const FLEET_DEFAULTS = { parallel: 4, canary: 1, bakeS: 60, maxFailures: 0 } as const;
