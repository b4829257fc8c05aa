// Before anything else, when MONO cannot read the owner's keys yet: set a passphrase (where no real keyring
// protects them), unlock after a start, or — passphrase forgotten — start over knowing exactly what is lost.
import { useState } from 'react';
import type { VaultStatus } from '../../../src-main/ipc/contract.ts';
import { PASSPHRASE_MIN_LENGTH } from '../../../src-main/ipc/input-rules.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, PasswordField } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';

export function VaultScreen({ vault }: { vault: VaultStatus }) {
  return (
    <div className="wizard-main vault-screen">
      <div className="wizard-card" data-testid="vault-screen">
        <div className="brand-mark" aria-hidden="true" />
        {vault.state === 'setup' && <CreatePassphrase vault={vault} />}
        {vault.state === 'locked' && <Unlock />}
        {vault.state === 'unavailable' && <KeyringGone vault={vault} />}
      </div>
    </div>
  );
}

function CreatePassphrase({ vault }: { vault: VaultStatus }) {
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const { busy, error, run } = useAction();
  const tooShort = passphrase.length > 0 && passphrase.length < PASSPHRASE_MIN_LENGTH;
  const mismatch = repeat.length > 0 && repeat !== passphrase;

  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void run(() => mono.vault.create({ passphrase }));
      }}
    >
      <p className="eyebrow">Before you start</p>
      <h1>Protect your keys with a passphrase</h1>
      <p className="lead">
        MONO keeps your Claude key, your bot tokens and your server password on this computer. {vault.problem}{' '}
        Instead, MONO encrypts them with a key made from a passphrase that only you know.
      </p>
      {vault.migrating && (
        <div className="info-box">
          MONO found keys you saved earlier under weaker protection. They move under your passphrase now.
        </div>
      )}
      <ul className="howto">
        <li>
          MONO asks for it <strong>each time it starts</strong>; until then your agent on this computer waits.
        </li>
        <li>
          It is never stored. <strong>If you forget it, your keys are lost</strong> (your conversations are
          not): you would enter your keys again.
        </li>
      </ul>
      <PasswordField
        label="Passphrase"
        hint={`At least ${PASSPHRASE_MIN_LENGTH} characters. A few unrelated words are easy to remember and hard to guess.`}
        error={tooShort ? `Use at least ${PASSPHRASE_MIN_LENGTH} characters.` : undefined}
        autoComplete="new-password"
        value={passphrase}
        onChange={setPassphrase}
      />
      <PasswordField
        label="Passphrase again"
        error={mismatch ? 'The two passphrases differ.' : error}
        autoComplete="new-password"
        value={repeat}
        onChange={setRepeat}
      />
      <div className="form-actions">
        <Button
          type="submit"
          kind="primary"
          busy={busy}
          disabled={passphrase.length < PASSPHRASE_MIN_LENGTH || repeat !== passphrase}
        >
          {busy ? 'Encrypting…' : 'Protect my keys'}
        </Button>
      </div>
    </form>
  );
}

function Unlock() {
  const [passphrase, setPassphrase] = useState('');
  const [forgot, setForgot] = useState(false);
  const { busy, error, run } = useAction();
  if (forgot) return <StartOver onCancel={() => setForgot(false)} />;
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void run(async () => {
          await mono.vault.unlock({ passphrase });
          setPassphrase('');
        });
      }}
    >
      <p className="eyebrow">MONO is locked</p>
      <h1>Enter your passphrase</h1>
      <p className="lead">
        Your keys are encrypted with your passphrase. Enter it so MONO can read them and your agent can start.
      </p>
      <PasswordField
        label="Passphrase"
        error={error}
        autoComplete="current-password"
        autoFocus
        value={passphrase}
        onChange={setPassphrase}
      />
      <div className="form-actions">
        <Button kind="ghost" onClick={() => setForgot(true)}>
          I forgot my passphrase
        </Button>
        <Button type="submit" kind="primary" busy={busy} disabled={!passphrase}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </Button>
      </div>
    </form>
  );
}

function KeyringGone({ vault }: { vault: VaultStatus }) {
  const [starting, setStarting] = useState(false);
  if (starting) return <StartOver onCancel={() => setStarting(false)} />;
  return (
    <>
      <p className="eyebrow">Your keys cannot be opened</p>
      <h1>The keyring is not available</h1>
      <div className="error-box" role="alert">
        <Icon.Alert /> {vault.problem}
      </div>
      <div className="form-actions">
        <Button kind="secondary" onClick={() => setStarting(true)}>
          Start over with a passphrase
        </Button>
      </div>
    </>
  );
}

function StartOver({ onCancel }: { onCancel: () => void }) {
  const { busy, error, run } = useAction();
  return (
    <>
      <p className="eyebrow">Forgotten passphrase</p>
      <h1>Start over with new keys</h1>
      <p className="lead">
        No one can open your keys without the passphrase — not even MONO. Starting over deletes them here:
      </p>
      <ul className="howto" data-testid="start-over-terms">
        <li>
          <strong>Lost:</strong> your Claude key, bot tokens, WhatsApp and Stripe keys, and the password MONO
          made for your agent's database. You enter the keys again in the setup, and MONO sends them to your
          agent.
        </li>
        <li>
          <strong>Kept:</strong> your conversations, contacts, jobs and settings — they live in your agent's
          datastore, not here.
        </li>
      </ul>
      {error && (
        <div className="error-box" role="alert">
          <Icon.Alert /> {error}
        </div>
      )}
      <div className="form-actions">
        <Button kind="ghost" onClick={onCancel}>
          Back
        </Button>
        <Button
          kind="danger"
          busy={busy}
          onClick={() => void run(() => mono.vault.reset({ confirm: 'forget my keys' }))}
        >
          Forget my keys and start over
        </Button>
      </div>
    </>
  );
}
