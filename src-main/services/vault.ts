// The desktop's secret store: one 0600 JSON file of encrypted entries, handed out only as `Secret`s — never to
// the renderer. Entries are protected by the system keyring (Electron's safeStorage, where it is a real keyring)
// or by a key derived from the owner's passphrase; never by a key stored beside them, never in clear.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Secret } from '../../agent-core/config/secret.ts';
import type { VaultStatus } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import { PASSPHRASE_MIN_LENGTH } from '../ipc/input-rules.ts';
import { assessKeyring, type KeyringLike, PASSPHRASE_DESCRIPTION } from './keyring.ts';
import {
  checkKdfParams,
  deriveKey,
  type KdfParams,
  newKdfParams,
  seal,
  unseal,
  unsealWithKeyFile,
} from './vault-crypto.ts';

export type { KeyringLike } from './keyring.ts';

export interface Vault {
  status(): VaultStatus;
  get(name: string): Secret | undefined;
  /** Names are not secret: whether a key is set is known while the vault is locked too. */
  has(name: string): boolean;
  set(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
  /** First passphrase (or the move from weaker storage): everything stored so far is sealed under it. */
  create(passphrase: string): Promise<void>;
  unlock(passphrase: string): Promise<void>;
  changePassphrase(current: string, next: string): Promise<void>;
  /** Forgets every stored secret (the way out of a forgotten passphrase). */
  reset(): void;
  /** Replaces every stored secret value in a text (for logs). */
  redact(text: string): string;
}

/** A failure the owner can act on (wrong passphrase, locked vault, no protection available). */
export class VaultError extends UserError {
  override name = 'VaultError';
  constructor(message: string) {
    super(message, 'VaultError');
  }
}

type Protection = { kind: 'keyring' } | { kind: 'passphrase'; kdf: KdfParams; check: string };
interface VaultFile {
  format: 'mono-vault-2';
  protection: Protection | null;
  entries: Record<string, string>;
}

const CHECK_CONTEXT = 'mono-vault-check';
const entryContext = (name: string) => `entry:${name}`;

export interface VaultDeps {
  file: string;
  /** Electron's safeStorage; absent where there is no system keyring to use (the browser bridge). */
  keyring?: KeyringLike;
  platform?: NodeJS.Platform;
  /** The key file MONO's browser mode once kept beside the vault: read once to move its entries, then destroyed. */
  legacyKeyFile?: string;
}

export function createVault(deps: VaultDeps): Vault {
  const { file, keyring } = deps;
  const platform = deps.platform ?? process.platform;
  let data = readVaultFile(file);
  let key: Buffer | undefined;
  let busy: Promise<unknown> = Promise.resolve();

  const assess = () => assessKeyring(keyring, platform);

  /** The protection entries are under now: the recorded one, or (new vault) the keyring when it is a real one. */
  function protection(): Protection | null {
    if (data.protection) return data.protection;
    if (hasEntries() && existsLegacyKeyFile()) return null;
    return assess().usable ? { kind: 'keyring' } : null;
  }

  function hasEntries(): boolean {
    return Object.keys(data.entries).length > 0;
  }

  function existsLegacyKeyFile(): boolean {
    return Boolean(deps.legacyKeyFile && existsSync(deps.legacyKeyFile));
  }

  function status(): VaultStatus {
    const current = protection();
    const keyringCheck = assess();
    if (current?.kind === 'keyring') {
      if (keyringCheck.usable)
        return { state: 'ready', protection: 'keyring', description: keyringCheck.description };
      return {
        state: 'unavailable',
        protection: 'keyring',
        description: '',
        problem: `Your keys were sealed with this computer's keyring, which MONO cannot use now: ${keyringCheck.problem} Start your desktop session's keyring and open MONO again, or start over with a passphrase (you will enter your keys again).`,
      };
    }
    if (current?.kind === 'passphrase') {
      return {
        state: key ? 'ready' : 'locked',
        protection: 'passphrase',
        description: PASSPHRASE_DESCRIPTION,
      };
    }
    return {
      state: 'setup',
      protection: null,
      description: '',
      problem: keyringCheck.problem ?? 'Choose how MONO protects your keys.',
      ...(hasEntries() && { migrating: true }),
    };
  }

  function save(next: VaultFile): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    data = next;
  }

  function requireReady(): Protection {
    const state = status();
    if (state.state === 'locked') throw new VaultError('MONO is locked. Enter your passphrase first.');
    if (state.state === 'unavailable') throw new VaultError(state.problem ?? 'The vault cannot be opened.');
    if (state.state === 'setup') {
      throw new VaultError(`Set a passphrase first: ${state.problem ?? ''}`.trim());
    }
    return protection() as Protection;
  }

  function decrypt(current: Protection, name: string, stored: string): string {
    const bytes = Buffer.from(stored, 'base64');
    if (current.kind === 'keyring') return (keyring as KeyringLike).decryptString(bytes);
    return unseal(key as Buffer, bytes, entryContext(name));
  }

  function encrypt(current: Protection, name: string, value: string): string {
    if (current.kind === 'keyring') return (keyring as KeyringLike).encryptString(value).toString('base64');
    return seal(key as Buffer, value, entryContext(name)).toString('base64');
  }

  /** Plain values of entries written before a passphrase existed (former key file, or a keyring MONO refuses). */
  function readUnprotectedEntries(): Record<string, string> {
    const out: Record<string, string> = {};
    const keyFile = existsLegacyKeyFile() ? readFileSync(deps.legacyKeyFile as string) : undefined;
    for (const [name, stored] of Object.entries(data.entries)) {
      const bytes = Buffer.from(stored, 'base64');
      try {
        if (keyFile) out[name] = unsealWithKeyFile(keyFile, bytes);
        else if (keyring) out[name] = keyring.decryptString(bytes);
      } catch {
        // Unreadable here (another machine's keyring): that entry is entered again.
      }
    }
    return out;
  }

  function destroyLegacyKeyFile(): void {
    if (!deps.legacyKeyFile || !existsSync(deps.legacyKeyFile)) return;
    writeFileSync(deps.legacyKeyFile, Buffer.alloc(32));
    rmSync(deps.legacyKeyFile, { force: true });
  }

  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = busy.then(work, work);
    busy = run.catch(() => {});
    return run;
  }

  /**
   * Seals what `read` returns under a key derived from `passphrase`, and saves it. `read` runs after the slow
   * derivation, with no await before the save: set, delete and reset stay synchronous and outside `serial`, so
   * entries read any earlier could be stale — a write made meanwhile would be lost.
   */
  async function sealAll(passphrase: string, read: () => Record<string, string>): Promise<void> {
    const kdf = newKdfParams();
    const derived = await deriveKey(passphrase, kdf);
    const values = read();
    const entries: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      entries[name] = seal(derived, value, entryContext(name)).toString('base64');
    }
    const check = seal(derived, CHECK_CONTEXT, CHECK_CONTEXT).toString('base64');
    save({ format: 'mono-vault-2', protection: { kind: 'passphrase', kdf, check }, entries });
    key = derived;
  }

  async function verify(passphrase: string): Promise<Buffer> {
    const current = data.protection;
    if (current?.kind !== 'passphrase') throw new VaultError('This vault has no passphrase.');
    const derived = await deriveKey(passphrase, current.kdf);
    try {
      unseal(derived, Buffer.from(current.check, 'base64'), CHECK_CONTEXT);
    } catch {
      throw new VaultError('That passphrase is not right.');
    }
    return derived;
  }

  function get(name: string): Secret | undefined {
    const stored = data.entries[name];
    if (stored === undefined) return undefined;
    return new Secret(decrypt(requireReady(), name, stored));
  }

  return {
    status,
    get,
    has: (name) => data.entries[name] !== undefined,
    set(name, value) {
      const current = requireReady();
      const next = { ...data, entries: { ...data.entries, [name]: encrypt(current, name, value) } };
      if (!data.protection) next.protection = current;
      save(next);
    },
    delete(name) {
      const { [name]: _gone, ...rest } = data.entries;
      save({ ...data, entries: rest });
    },
    names: () => Object.keys(data.entries),
    create: (passphrase) =>
      serial(async () => {
        const state = status().state;
        if (state !== 'setup') throw new VaultError('A passphrase is already set. Change it instead.');
        checkPassphrase(passphrase);
        await sealAll(passphrase, readUnprotectedEntries);
        destroyLegacyKeyFile();
      }),
    unlock: (passphrase) =>
      serial(async () => {
        if (status().state === 'ready') return;
        key = await verify(passphrase);
      }),
    changePassphrase: (current, next) =>
      serial(async () => {
        checkPassphrase(next);
        const verified = data.protection;
        const oldKey = await verify(current);
        await sealAll(next, () => {
          // Reset meanwhile (only it and sealAll replace the protection): the keys stay forgotten, not sealed again.
          if (data.protection !== verified) {
            throw new VaultError(
              'Your keys were forgotten while the passphrase was changing. Set a new passphrase.',
            );
          }
          const values: Record<string, string> = {};
          for (const [name, stored] of Object.entries(data.entries)) {
            values[name] = unseal(oldKey, Buffer.from(stored, 'base64'), entryContext(name));
          }
          return values;
        });
      }),
    reset() {
      key = undefined;
      save({ format: 'mono-vault-2', protection: null, entries: {} });
      destroyLegacyKeyFile();
    },
    redact(text) {
      if (status().state !== 'ready') return text;
      let out = text;
      for (const name of Object.keys(data.entries)) {
        let value: string | undefined;
        try {
          value = get(name)?.reveal();
        } catch {
          value = undefined;
        }
        if (value && value.length >= 6) out = out.split(value).join('[redacted]');
      }
      return out;
    },
  };
}

function checkPassphrase(passphrase: string): void {
  if (passphrase.length < PASSPHRASE_MIN_LENGTH) {
    throw new VaultError(`Use at least ${PASSPHRASE_MIN_LENGTH} characters — a few words you will remember.`);
  }
}

/** The vault file; the first format (a flat name → sealed value map) is read as entries without protection. */
function readVaultFile(file: string): VaultFile {
  if (!existsSync(file)) return { format: 'mono-vault-2', protection: null, entries: {} };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (parsed.format !== 'mono-vault-2') {
    return { format: 'mono-vault-2', protection: null, entries: parsed as Record<string, string> };
  }
  const raw = parsed.protection as { kind?: string; kdf?: unknown; check?: unknown } | null;
  let protection: Protection | null = null;
  if (raw?.kind === 'keyring') protection = { kind: 'keyring' };
  if (raw?.kind === 'passphrase') {
    const kdf = checkKdfParams(raw.kdf);
    if (!kdf || typeof raw.check !== 'string') {
      throw new VaultError(`${file} is damaged (its passphrase settings are not ones MONO writes).`);
    }
    protection = { kind: 'passphrase', kdf, check: raw.check };
  }
  return { format: 'mono-vault-2', protection, entries: (parsed.entries ?? {}) as Record<string, string> };
}
