// Files and voice on the desktop side: the speech-to-text settings (address and model in prefs, the key in the
// vault; the agent reads them from its environment), the "test" that transcribes a one-second sample with the
// agent's own client, and the image previews the conversation view shows.
import { RecordId } from 'surrealdb';
import type { Secret } from '../../../agent-core/config/secret.ts';
import { SttError, transcribe } from '../../../agent-core/media/stt.ts';
import { type HandlersFor, UserError } from '../../ipc/dispatch.ts';
import type { AgentConfig } from '../agent-config.ts';
import type { AppStateView } from '../app-state.ts';
import type { Installer } from '../installer.ts';
import type { PrefsStore } from '../prefs.ts';
import { recordId, type Sync } from '../sync.ts';
import type { Vault } from '../vault.ts';

export function mediaHandlers(deps: {
  vault: Pick<Vault, 'get'>;
  prefs: Pick<PrefsStore, 'update'>;
  sync: Pick<Sync, 'query'>;
  appState: Pick<AppStateView, 'publish'>;
  installer: Pick<Installer, 'applyAgentEnv'>;
  config: Pick<AgentConfig, 'oneAtATime'>;
}): HandlersFor<'stt' | 'media'> {
  return {
    // In turn with the other agent changes (the key is saved just before, often while the agent is still starting
    // with it); the settings are changed in turn too, so each restart runs with the changes made before it.
    'stt.configure': (settings) =>
      deps.config.oneAtATime(async () => {
        deps.prefs.update({ stt: settings ?? undefined });
        deps.appState.publish();
        return deps.installer.applyAgentEnv();
      }),
    'stt.test': async ({ url, model }) => {
      const apiKey = deps.vault.get('stt_api_key') as Secret | undefined;
      const started = performance.now();
      try {
        const { text } = await transcribe(
          { url: url.replace(/\/+$/, ''), model, pricePerMinute: 0, ...(apiKey ? { apiKey } : {}) },
          { bytes: sampleWav(), mime: 'audio/wav', extension: 'wav' },
        );
        return { text, ms: Math.round(performance.now() - started) };
      } catch (error) {
        throw new UserError(error instanceof SttError ? error.message : `The test failed: ${String(error)}`);
      }
    },
    'media.preview': async ({ message, index }) => {
      // The preview's id is the message's key and the attachment's place (agent-core/media/media-store.ts).
      const key = message
        .slice('message:'.length)
        .replace(/^⟨(.*)⟩$/, '$1')
        .replace(/^`(.*)`$/, '$1');
      const [rows] = await deps.sync.query<{ mime: string; data: string }>(
        'SELECT mime, data FROM $id WHERE message = $message',
        { id: new RecordId('media_preview', `${key}-${index}`), message: recordId(message) },
      );
      return rows?.[0] ?? null;
    },
  };
}

/**
 * One second of quiet noise as 16 kHz mono WAV: every speech-to-text service takes it, and it says nothing, so
 * an answer (usually empty text) proves the address, key and model work without sending anyone's voice.
 */
export function sampleWav(seconds = 1, rate = 16_000): Buffer {
  const samples = seconds * rate;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(Math.sin(i * 0.37) * 40), 44 + i * 2);
  return wav;
}
