// What went wrong, as one line for a person or a log: an Error's message, or whatever was thrown as text.
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  // The SurrealDB SDK's CBOR errors are plain objects with a message, not Errors: "[object Object]" says nothing.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
