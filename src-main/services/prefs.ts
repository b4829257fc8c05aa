// The desktop's own non-secret state (wizard progress, where the agent runs, the VPS target), one JSON file.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppState, BackupSchedule, SpeechSettings, VpsTarget, WizardStep } from '../ipc/contract.ts';

export interface Prefs {
  mode: 'local' | 'vps' | null;
  wizardStep: WizardStep;
  wizardDone: boolean;
  /** The owner opened the setup again from the Server screen (the dashboard waits until it is closed). */
  wizardOpen?: boolean;
  claude?: { model: string };
  telegram?: { botName: string; username: string; link: string };
  whatsapp?: { mode: 'skip' | 'cloud' | 'linked'; phoneNumberId?: string; pairingPhone?: string };
  vps?: VpsTarget;
  /** The speech-to-text service for voice notes (the key is in the vault as stt_api_key). */
  stt?: SpeechSettings;
  /** Local mode: the fixed loopback port of the agent's db hub, so a restarted agent is found again. */
  hubPort?: number;
  launchAtLogin?: boolean;
  backups?: BackupSchedule;
  /** After a move to another VPS: the previous one, until MONO is removed from it. */
  oldVps?: VpsTarget;
}

export interface PrefsStore {
  get(): Prefs;
  update(patch: Partial<Prefs>): Prefs;
  appState(extra: Pick<AppState, 'version' | 'shell' | 'secrets' | 'vault' | 'launchAtLogin'>): AppState;
}

const DEFAULTS: Prefs = { mode: null, wizardStep: 'claude', wizardDone: false };

export function createPrefsStore(file: string): PrefsStore {
  let prefs: Prefs = existsSync(file)
    ? { ...DEFAULTS, ...JSON.parse(readFileSync(file, 'utf8')) }
    : { ...DEFAULTS };
  return {
    get: () => prefs,
    update(patch) {
      prefs = { ...prefs, ...patch };
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(`${file}.tmp`, `${JSON.stringify(prefs, null, 2)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      return prefs;
    },
    appState: (extra) => ({
      ...extra,
      mode: prefs.mode,
      wizard: {
        step: prefs.wizardStep,
        done: prefs.wizardDone,
        reopened: prefs.wizardOpen === true,
        ...(prefs.claude && { claude: prefs.claude }),
        ...(prefs.telegram && { telegram: prefs.telegram }),
        ...(prefs.whatsapp && { whatsapp: prefs.whatsapp }),
        ...(prefs.vps && { vps: prefs.vps }),
        ...(prefs.stt && { stt: prefs.stt }),
      },
    }),
  };
}
