// Reads a Bot API method's parameters the four ways Telegram accepts them: query string, JSON,
// x-www-form-urlencoded and multipart/form-data (grammY switches to multipart when a file is sent).

export type Params = Record<string, unknown>;

export class BadParamsError extends Error {
  override name = 'BadParamsError';
}

/** Form and query values arrive as strings; Telegram reads numbers, booleans and JSON objects from them. */
function coerce(value: string): unknown {
  if (/^-?\d{1,16}$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Text-like fields stay strings even when they look like numbers ("42" is a valid message). */
const TEXT_FIELDS = new Set(['text', 'caption', 'secret_token', 'url', 'description', 'query', 'title']);

function assign(params: Params, key: string, value: string): void {
  params[key] = TEXT_FIELDS.has(key) ? value : coerce(value);
}

export async function parseParams(url: URL, contentType: string | undefined, body: Buffer): Promise<Params> {
  const params: Params = {};
  for (const [key, value] of url.searchParams) assign(params, key, value);
  if (body.length === 0) return params;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BadParamsError("Bad Request: can't parse JSON object");
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadParamsError("Bad Request: can't parse JSON object");
    }
    return { ...params, ...(parsed as Params) };
  }
  if (type === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) assign(params, key, value);
    return params;
  }
  if (type === 'multipart/form-data') {
    // undici's Request parses multipart exactly as a browser would; no hand-written parser needed.
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType ?? '' },
      body: new Uint8Array(body),
    })
      .formData()
      .catch(() => {
        throw new BadParamsError("Bad Request: can't parse multipart/form-data request");
      });
    for (const [key, value] of form) {
      if (typeof value === 'string') assign(params, key, value);
      else params[key] = { file_name: value.name, size: value.size, mime_type: value.type };
    }
    return params;
  }
  return params;
}
