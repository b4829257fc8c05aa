// "Your keys": how they are protected on this computer (the same sentence main computes from the real
// keyring or passphrase), and changing the passphrase where there is one.
import { useState } from 'react';
import { PASSPHRASE_MIN_LENGTH } from '../../../src-main/ipc/input-rules.ts';
import { Button, Card, PasswordField } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';

export function VaultCard() {
  const vault = useStore((s) => s.app?.vault);
  const [changing, setChanging] = useState(false);
  if (!vault) return null;
  return (
    <Card
      title="Your keys"
      actions={
        vault.protection === 'passphrase' &&
        !changing && (
          <Button small onClick={() => setChanging(true)}>
            Change passphrase
          </Button>
        )
      }
    >
      <p data-testid="vault-protection">{vault.description}</p>
      {changing && <ChangePassphrase onDone={() => setChanging(false)} />}
    </Card>
  );
}

function ChangePassphrase({ onDone }: { onDone: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void run(async () => {
          await mono.vault.changePassphrase({ current, next });
          onDone();
        });
      }}
    >
      <PasswordField
        label="Current passphrase"
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
      />
      <PasswordField
        label="New passphrase"
        hint={`At least ${PASSPHRASE_MIN_LENGTH} characters.`}
        error={error}
        autoComplete="new-password"
        value={next}
        onChange={setNext}
      />
      <div className="form-actions">
        <Button kind="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button
          type="submit"
          kind="primary"
          busy={busy}
          disabled={!current || next.length < PASSPHRASE_MIN_LENGTH}
        >
          Change passphrase
        </Button>
      </div>
    </form>
  );
}
