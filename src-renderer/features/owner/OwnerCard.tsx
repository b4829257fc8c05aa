// Who owns the agent, in Contacts & access: the owner's accounts, a code to add another of them, handing the agent
// over to someone else (after a confirmation), and — while nobody owns it — the code to claim it.
import { useEffect, useState } from 'react';
import type { OwnerRow } from '../../../src-main/ipc/contract.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { Badge, Button, Card, ErrorState, Spinner } from '../../components/ui.tsx';
import { initials, timeAgo } from '../../lib/format.ts';
import { useAction } from '../../lib/use-action.ts';
import { act, loaders } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { ClaimPanel } from './ClaimPanel.tsx';

const ADDED_BY: Record<OwnerRow['added_by'], string> = {
  claim: 'claimed with a code',
  desktop: 'added in MONO',
  cli: 'added with mono owner',
};

type Panel = 'add' | 'replace' | undefined;

export function OwnerCard() {
  const owners = useStore((s) => s.owners);
  const ownerless = useStore((s) => s.health.problems.some((p) => p.state === 'ownerless'));
  const [panel, setPanel] = useState<Panel>();
  const [confirming, setConfirming] = useState<'replace' | OwnerRow>();
  const remove = useAction();

  useEffect(() => {
    void loaders.owners();
  }, []);
  // Once the code was used, the panel has done its job.
  const count = owners.items.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: closes the code panel when an owner arrives
  useEffect(() => setPanel(undefined), [count]);

  const configured = !ownerless && owners.status === 'ready' && count === 0;
  return (
    <Card
      title="Owner"
      className={ownerless ? 'card-accent' : undefined}
      actions={ownerless ? <Badge tone="warn">No owner yet</Badge> : <Badge tone="good">Owned</Badge>}
    >
      {owners.status === 'loading' && <Spinner label="Loading owners…" />}
      {owners.status === 'error' && (
        <ErrorState message={owners.error ?? ''} onRetry={() => void loaders.owners()} />
      )}
      {ownerless && (
        <ClaimPanel
          mode="add"
          intro="Nobody owns your agent yet, so it tells everyone who writes that it is not set up. Send this code to your bot from your own account: you become its owner, with its tools, memory and commands."
        />
      )}
      {configured && (
        <p className="muted" data-testid="owner-configured">
          Your agent's owner is set in its configuration (MONO_OWNER_CHAT or MONO_ALLOW_…). Add another
          account below.
        </p>
      )}
      {count > 0 && (
        <ul className="rows" data-testid="owner-list">
          {owners.items.map((owner) => (
            <li key={owner.id} className="row-item">
              <span className="avatar avatar-small">{initials(owner.name || owner.external_id)}</span>
              <span className="row-main">
                <strong>{owner.name || owner.external_id}</strong>
                <small>
                  <span className={`channel channel-${owner.channel}`}>{owner.channel}</span> ·{' '}
                  {owner.external_id} · {ADDED_BY[owner.added_by] ?? owner.added_by}{' '}
                  {timeAgo(owner.created_at)}
                </small>
              </span>
              {count > 1 && (
                <Button small kind="ghost" busy={remove.busy} onClick={() => setConfirming(owner)}>
                  Remove
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.error && <p className="field-error">{remove.error}</p>}
      {!ownerless && panel === undefined && (
        <div className="form-actions">
          <Button onClick={() => setPanel('add')}>Add another of my accounts</Button>
          <Button kind="ghost" onClick={() => setConfirming('replace')}>
            Hand ownership over…
          </Button>
        </div>
      )}
      {panel === 'add' && (
        <ClaimPanel
          mode="add"
          intro="Send this code to your bot from the other account (another phone, your WhatsApp): it becomes an owner account too."
        />
      )}
      {panel === 'replace' && (
        <ClaimPanel
          mode="replace"
          intro="Give this code to the new owner. Whoever sends it first becomes the only owner; the accounts listed here stop being owners."
        />
      )}
      {panel && (
        <div className="form-actions">
          <Button kind="ghost" onClick={() => setPanel(undefined)}>
            Done
          </Button>
        </div>
      )}
      {confirming === 'replace' && (
        <ConfirmDialog
          title="Hand ownership over?"
          confirm="Make a hand-over code"
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            setConfirming(undefined);
            setPanel('replace');
          }}
        >
          Whoever sends the code you get next becomes the only owner of this agent: its tools, memory, jobs
          and commands. Your accounts listed here stop being owners (an owner set in the agent's configuration
          stays).
        </ConfirmDialog>
      )}
      {confirming && confirming !== 'replace' && (
        <ConfirmDialog
          title="Remove this owner account?"
          confirm="Remove"
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            const owner = confirming;
            setConfirming(undefined);
            void remove.run(() => act.removeOwner(owner.id));
          }}
        >
          {owner(confirming)} will be treated as a guest from the next message on. Your other owner accounts
          stay.
        </ConfirmDialog>
      )}
    </Card>
  );
}

function owner(row: OwnerRow): string {
  return `${row.name || row.external_id} (${row.channel})`;
}
