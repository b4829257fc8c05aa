// What went wrong, as one line for a person or a log: an Error's message, or whatever was thrown as text.
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
