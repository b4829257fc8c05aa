// The request-target of an HTTP request as the bridge accepts it: origin-form only (`/path?query`), decoded
// without ever throwing. Anything else — `//`, `/%`, `/%zz`, an absolute URL, a NUL, an over-long target — is
// answered with 400 by the caller, because every byte a client sends is hostile until it is authenticated.

/** Longer targets are refused: the renderer's own paths are short, and a huge one only costs memory. */
export const MAX_TARGET_LENGTH = 2048;

export interface RequestTarget {
  /** The decoded path, always starting with one `/`. */
  pathname: string;
}

export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_TARGET_LENGTH) return undefined;
  // Origin-form only: absolute-form (`http://host/…`), authority-form and `*` are never sent by a page.
  if (raw[0] !== '/' || raw[1] === '/' || raw[1] === '\\') return undefined;
  const end = raw.search(/[?#]/);
  const encoded = end === -1 ? raw : raw.slice(0, end);
  let pathname: string;
  try {
    pathname = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  // Control characters (NUL included) have no place in a path the renderer uses.
  for (let i = 0; i < pathname.length; i++) if (pathname.charCodeAt(i) < 0x20) return undefined;
  if (pathname.includes('\\')) return undefined;
  return { pathname };
}
