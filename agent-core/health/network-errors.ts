// Reading a failed HTTP call's network error: did the request never leave (no connection was made, so a message
// certainly was not sent), or may it have reached the service before the connection broke?

/** Failures of the connect phase: the request was never written, whatever the service would have done. */
const NEVER_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system or undici error code behind a fetch failure (Node's fetch puts it on `cause`), if any. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current =
      (current as { cause?: unknown; error?: unknown }).cause ?? (current as { error?: unknown }).error;
  }
  return undefined;
}

/** True when the request certainly never reached the service (it could not even connect). */
export function neverConnected(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && NEVER_CONNECTED.has(code);
}
