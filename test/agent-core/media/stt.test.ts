// The speech-to-text client against the OpenAI-compatible fake: the upload's name comes from what the audio
// is, and each refusal says what to check without ever quoting the key.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Secret } from '../../../agent-core/config/secret.ts';
import { SttError, transcribe } from '../../../agent-core/media/stt.ts';
import { FAKE_STT_KEY, FakeStt } from '../../fakes/stt-server.ts';
import { oggOpus } from '../../helpers/media-samples.ts';

const stt = new FakeStt();
before(() => stt.start());
after(() => stt.close());
const config = (key = FAKE_STT_KEY) => ({
  url: stt.url,
  apiKey: new Secret(key),
  model: 'whisper-1',
  pricePerMinute: 0,
});
const audio = (bytes = oggOpus(1)) => ({ bytes, mime: 'audio/ogg', extension: 'ogg' });

test('a recording comes back as its text; the service took it as voice.ogg with the model', async () => {
  const voice = oggOpus(2);
  stt.hear(voice, 'Buy milk.');
  assert.deepEqual(await transcribe(config(), audio(voice)), { text: 'Buy milk.' });
  const request = stt.requests.at(-1)!;
  assert.deepEqual(
    [request.fileName, request.fileType, request.model],
    ['voice.ogg', 'audio/ogg', 'whisper-1'],
  );
});

test('an .oga name is what such services refuse (the fake is faithful): MONO never sends it', async () => {
  await assert.rejects(
    transcribe(config(), { ...audio(), extension: 'oga' }),
    (error: unknown) =>
      error instanceof SttError && error.status === 400 && /MONO_STT_MODEL/.test(error.message),
  );
});

/** The SttError a call fails with (the test fails if it succeeds). */
async function refusal(call: Promise<unknown>): Promise<SttError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof SttError, String(error));
    return error;
  }
  return assert.fail('expected the service to refuse');
}

test('a wrong key, a wrong URL and a server error each say what to do, and never show the key', async () => {
  const wrongKey = await refusal(transcribe(config('sk-wrong-key-123456'), audio()));
  assert.match(wrongKey.message, /refused the key \(401\): check MONO_STT_API_KEY/);
  assert.doesNotMatch(wrongKey.message, /sk-wrong-key-123456/);
  const wrongUrl = await refusal(transcribe({ ...config(), url: `${stt.url}/nope` }, audio()));
  assert.match(wrongUrl.message, /404\): check MONO_STT_URL/);
  stt.failNext(503);
  const down = await refusal(transcribe(config(), audio()));
  assert.equal(down.retryable, true);
  const nowhere = await refusal(transcribe({ ...config(), url: 'http://127.0.0.1:9/v1' }, audio()));
  assert.match(nowhere.message, /could not be reached/);
});
