// Speech to text through the OpenAI-compatible API that OpenAI, Groq and self-hosted whisper servers all speak:
// POST {url}/audio/transcriptions, multipart `file` + `model`, answer `{ text }`. Those services tell the format
// from the upload's file name and refuse names they do not know (Telegram's voice notes end in .oga), so the
// name is made from what the file really is (sniff.ts), never from what the sender called it.
import type { Secret } from '../config/secret.ts';

export interface SttConfig {
  /** e.g. https://api.openai.com/v1 (without /audio/transcriptions). */
  url: string;
  apiKey?: Secret;
  model: string;
  /** USD per minute of audio, recorded in usage (MONO_STT_PRICE_PER_MIN). */
  pricePerMinute: number;
}

export interface Transcript {
  text: string;
  /** Seconds of audio, when the service said (verbose answers) — otherwise the caller's own measure counts. */
  duration_s?: number;
}

/** The service refused or could not be reached; `message` says what to check (never the key). */
export class SttError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SttError';
  }
}

const TIMEOUT_MS = 120_000;
const MAX_TRANSCRIPT = 20_000;

export async function transcribe(
  config: SttConfig,
  audio: { bytes: Uint8Array; mime: string; extension: string },
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<Transcript> {
  const form = new FormData();
  form.append(
    'file',
    new Blob([audio.bytes as Uint8Array<ArrayBuffer>], { type: audio.mime }),
    `voice.${audio.extension}`,
  );
  form.append('model', config.model);
  form.append('response_format', 'json');
  const endpoint = `${config.url.replace(/\/+$/, '')}/audio/transcriptions`;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(TIMEOUT_MS)])
    : AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(endpoint, {
      method: 'POST',
      headers: config.apiKey ? { authorization: `Bearer ${config.apiKey.reveal()}` } : {},
      body: form,
      signal,
    });
  } catch (error) {
    const name = (error as Error)?.name ?? 'error';
    throw new SttError(
      `The speech-to-text service at ${safeUrl(config.url)} could not be reached (${name}).`,
      undefined,
      true,
    );
  }
  const body = await response.text();
  if (!response.ok) throw httpError(response.status, body, config);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SttError(
      'The speech-to-text service answered something that is not JSON.',
      response.status,
      false,
    );
  }
  const text = (parsed as { text?: unknown }).text;
  if (typeof text !== 'string') {
    throw new SttError('The speech-to-text service answered without a "text" field.', response.status, false);
  }
  const duration = (parsed as { duration?: unknown }).duration;
  return {
    text: text.trim().slice(0, MAX_TRANSCRIPT),
    ...(typeof duration === 'number' && duration > 0 ? { duration_s: duration } : {}),
  };
}

function httpError(status: number, body: string, config: SttConfig): SttError {
  let detail = '';
  try {
    const error = (JSON.parse(body) as { error?: { message?: unknown } | string }).error;
    detail = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : '';
  } catch {
    detail = '';
  }
  detail = detail.slice(0, 200);
  if (status === 401 || status === 403) {
    return new SttError(
      `The speech-to-text service refused the key (${status}): check MONO_STT_API_KEY.`,
      status,
      false,
    );
  }
  if (status === 404) {
    return new SttError(
      `The speech-to-text service has no ${safeUrl(config.url)}/audio/transcriptions (404): check MONO_STT_URL.`,
      status,
      false,
    );
  }
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return new SttError(
      `The speech-to-text service refused the recording (${status})${detail ? `: ${detail}` : ''}. Check MONO_STT_MODEL (${config.model}).`,
      status,
      false,
    );
  }
  return new SttError(
    `The speech-to-text service answered ${status}${detail ? `: ${detail}` : ''}.`,
    status,
    status === 429 || status >= 500,
  );
}

/** The URL without credentials or query (errors and logs show where, never a secret). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(an invalid URL)';
  }
}
