// Whether the system keyring Electron's safeStorage offers really protects the vault here, and how to say so.
// On Linux safeStorage reports encryption as available even with no keyring running: its `basic_text` backend
// then encrypts with a fixed key that is public, so MONO treats it as no protection at all.

/** The part of Electron's `safeStorage` the vault uses (tests and other shells pass their own). */
export interface KeyringLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which secret store Electron picked (`basic_text` = none, a hardcoded key). */
  getSelectedStorageBackend?(): string;
}

export interface KeyringAssessment {
  usable: boolean;
  /** When usable: how the vault's keys are protected, in words that are true on this machine. */
  description: string;
  /** When not usable: why, so the owner knows what a passphrase replaces. */
  problem?: string;
}

const LINUX_STORES: Record<string, string> = {
  gnome_libsecret:
    "Encrypted with a key kept in your desktop's keyring (Secret Service, e.g. GNOME Keyring), which your login unlocks.",
  kwallet: 'Encrypted with a key kept in KWallet, which your login unlocks.',
  kwallet5: 'Encrypted with a key kept in KWallet, which your login unlocks.',
  kwallet6: 'Encrypted with a key kept in KWallet, which your login unlocks.',
};

export function assessKeyring(
  keyring: KeyringLike | undefined,
  platform: NodeJS.Platform,
): KeyringAssessment {
  if (!keyring) {
    return {
      usable: false,
      description: '',
      problem: 'MONO is running without the desktop app, so it cannot use the system keyring.',
    };
  }
  let available = false;
  try {
    available = keyring.isEncryptionAvailable();
  } catch {
    available = false;
  }
  if (!available) {
    return { usable: false, description: '', problem: 'This computer offers MONO no system keyring.' };
  }
  if (platform === 'darwin') {
    return { usable: true, description: 'Encrypted with a key kept in your macOS Keychain.' };
  }
  if (platform === 'win32') {
    return {
      usable: true,
      description: 'Encrypted with Windows Data Protection (DPAPI) for your Windows account.',
    };
  }
  const backend = safeBackend(keyring);
  const description = LINUX_STORES[backend];
  if (description) return { usable: true, description };
  return {
    usable: false,
    description: '',
    problem:
      backend === 'basic_text'
        ? 'No keyring (such as GNOME Keyring or KWallet) is running, and the fallback Electron offers encrypts with a fixed key that anyone can look up.'
        : 'MONO could not tell which keyring this computer uses.',
  };
}

function safeBackend(keyring: KeyringLike): string {
  try {
    return keyring.getSelectedStorageBackend?.() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const PASSPHRASE_DESCRIPTION =
  'Encrypted with a key made from your passphrase (scrypt). The passphrase is never stored: MONO asks for it each time it starts, and without it no one can read your keys — not even MONO.';
