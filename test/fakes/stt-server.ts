// FakeStt: a real HTTP server speaking the OpenAI-compatible speech-to-text API (POST /v1/audio/transcriptions,
// multipart `file` + `model`, answer `{ text }`) with the checks such services make: the bearer key, a model,
// a file name whose extension they know (Telegram's ".oga" is refused, as Groq and whisper servers do) and
// audio that is what the extension says.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Listening,
  type ListenOptions,
  listen,
  readBody,
  Signal,
  sendJson,
  waitUntil,
} from './http-util.ts';

export const FAKE_STT_KEY = 'sk-stt-fake-0000000000000000';

const EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'ogg', 'opus', 'wav', 'webm'];

export interface SttRequest {
  model: string;
  fileName: string;
  fileType: string;
  bytes: Buffer;
  status: number;
}

export class FakeStt {
  apiKey = FAKE_STT_KEY;
  /** Transcripts by the SHA-256 of the audio; anything else is heard as `fallback`. */
  readonly transcripts = new Map<string, string>();
  fallback = 'Hello from a voice note.';
  readonly requests: SttRequest[] = [];
  readonly #faults: number[] = [];
  readonly #changed = new Signal();
  #server: Listening | undefined;

  /** MONO_STT_URL for the agent (OpenAI's shape: …/v1). */
  get url(): string {
    if (!this.#server) throw new Error('FakeStt is not started');
    return `${this.#server.url}/v1`;
  }

  async start(options: ListenOptions = {}): Promise<{ url: string }> {
    this.#server = await listen((req, res) => void this.#handle(req, res), options);
    return { url: this.url };
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  /** What this recording "says". */
  hear(audio: Buffer, text: string): void {
    this.transcripts.set(createHash('sha256').update(audio).digest('hex'), text);
  }

  /** The next `count` requests fail with this HTTP status (OpenAI's error shape). */
  failNext(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#faults.push(status);
  }

  waitForRequests(n: number, { timeoutMs = 5000 } = {}): Promise<SttRequest[]> {
    return waitUntil(
      () => (this.requests.length >= n ? this.requests.slice() : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () => `FakeStt: ${this.requests.length} of ${n} transcription requests within ${timeoutMs} ms`,
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const error = (status: number, message: string, type = 'invalid_request_error') =>
      sendJson(res, status, { error: { message, type, param: null, code: null } });
    try {
      const body = await readBody(req);
      if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return error(404, 'Not found');
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
        return error(401, 'Incorrect API key provided.', 'invalid_api_key');
      }
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(body), {
          headers: { 'content-type': req.headers['content-type'] ?? '' },
        }).formData();
      } catch {
        return error(400, 'Could not parse multipart form');
      }
      const file = form.get('file');
      const model = form.get('model');
      if (typeof model !== 'string' || !model) return error(400, 'you must provide a model parameter');
      if (!file || typeof file === 'string') return error(400, 'you must provide a file parameter');
      const bytes = Buffer.from(await file.arrayBuffer());
      const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
      const request: SttRequest = { model, fileName: file.name, fileType: file.type, bytes, status: 200 };
      this.requests.push(request);
      this.#changed.emit();
      const fault = this.#faults.shift();
      if (fault) {
        request.status = fault;
        return error(fault, fault === 429 ? 'Rate limit reached' : 'The server had an error');
      }
      if (!EXTENSIONS.includes(extension)) {
        request.status = 400;
        return error(400, `file must be one of the following types: [${EXTENSIONS.join(' ')}]`);
      }
      if (!looksLike(extension, bytes)) {
        request.status = 400;
        return error(400, 'Audio file might be corrupted or unsupported');
      }
      const text = this.transcripts.get(createHash('sha256').update(bytes).digest('hex')) ?? this.fallback;
      return sendJson(res, 200, { text });
    } catch (failure) {
      return error(500, `fake: ${(failure as Error).message}`, 'server_error');
    }
  }
}

/** The container the extension names, by its magic bytes. */
function looksLike(extension: string, bytes: Buffer): boolean {
  const head = bytes.subarray(0, 12).toString('latin1');
  if (extension === 'ogg' || extension === 'opus') return head.startsWith('OggS');
  if (extension === 'wav') return head.startsWith('RIFF') && head.slice(8, 12) === 'WAVE';
  if (extension === 'flac') return head.startsWith('fLaC');
  if (extension === 'webm') return bytes[0] === 0x1a && bytes[1] === 0x45;
  if (extension === 'mp3' || extension === 'mpga' || extension === 'mpeg')
    return head.startsWith('ID3') || bytes[0] === 0xff;
  return head.slice(4, 8) === 'ftyp';
}
