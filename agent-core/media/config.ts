// Files, voice and web lookups from the environment: the speech-to-text service (MONO_STT_URL, MONO_STT_API_KEY,
// MONO_STT_MODEL, MONO_STT_PRICE_PER_MIN) and the Messages API's web tools in the owner's turns (MONO_WEB_TOOLS).

import { Secret } from '../config/secret.ts';
import type { EnvText } from '../config/values.ts';
import type { SttConfig } from './stt.ts';

export interface MediaConfig {
  /** Unset: voice notes get a one-line answer that the agent cannot listen yet. */
  stt?: SttConfig;
  /** Web search and web fetch in the owner's turns (default on; MONO_WEB_TOOLS=off turns them off). */
  webTools: boolean;
}

/** whisper-1's list price; other services and models differ, so it is configurable. */
export const DEFAULT_STT_PRICE_PER_MIN = 0.006;

export function loadMedia(text: EnvText, problems: string[]): MediaConfig {
  const web = (text('MONO_WEB_TOOLS') ?? 'on').toLowerCase();
  if (!['on', 'off', '1', '0', 'true', 'false'].includes(web)) {
    problems.push('MONO_WEB_TOOLS must be on or off.');
  }
  const url = text('MONO_STT_URL');
  const key = text('MONO_STT_API_KEY');
  const model = text('MONO_STT_MODEL') ?? 'whisper-1';
  const price = text('MONO_STT_PRICE_PER_MIN');
  let stt: SttConfig | undefined;
  if (url) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) {
      problems.push('MONO_STT_URL must be an http(s):// address such as https://api.openai.com/v1.');
    } else if (/[?#]/.test(url) || /@/.test(url.split('/')[2] ?? '')) {
      problems.push('MONO_STT_URL must be a plain address: put the key in MONO_STT_API_KEY, not in the URL.');
    }
    const pricePerMinute = price === undefined ? DEFAULT_STT_PRICE_PER_MIN : Number(price);
    if (!Number.isFinite(pricePerMinute) || pricePerMinute < 0) {
      problems.push('MONO_STT_PRICE_PER_MIN must be a number of US dollars per minute, e.g. 0.006.');
    }
    stt = {
      url: url.replace(/\/+$/, '').replace(/\/audio\/transcriptions$/, ''),
      ...(key ? { apiKey: new Secret(key) } : {}),
      model,
      pricePerMinute: Number.isFinite(pricePerMinute) && pricePerMinute >= 0 ? pricePerMinute : 0,
    };
  } else if (key) {
    problems.push(
      'MONO_STT_API_KEY is set but MONO_STT_URL is not: set the service address, e.g. https://api.openai.com/v1.',
    );
  }
  return { ...(stt ? { stt } : {}), webTools: !['off', '0', 'false'].includes(web) };
}
