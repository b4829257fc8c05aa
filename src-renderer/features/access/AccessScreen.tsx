// Contacts and access: who owns the agent, pairing requests to approve or deny, and who may reach the agent on
// each channel.
import { useEffect, useState } from 'react';
import type { ContactRow, PairingRow } from '../../../agent-core/contract/tables.ts';
import { Icon } from '../../components/icons.tsx';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  PageHeader,
  Spinner,
  Switch,
} from '../../components/ui.tsx';
import { initials, timeAgo } from '../../lib/format.ts';
import { errorMessage } from '../../lib/mono.ts';
import { act, loaders } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { OwnerCard } from '../owner/OwnerCard.tsx';

export function AccessScreen() {
  const pairings = useStore((s) => s.pairings);
  const contacts = useStore((s) => s.contacts);
  const owners = useStore((s) => s.owners.items);

  useEffect(() => {
    void loaders.pairings();
    void loaders.contacts();
  }, []);

  const pending = pairings.items.filter((p) => p.status === 'pending');
  const decided = pairings.items.filter((p) => p.status !== 'pending').slice(0, 8);
  const channels = [...new Set(contacts.items.map((c) => c.channel))];

  return (
    <div className="page">
      <PageHeader
        title="Contacts & access"
        subtitle="Strangers never reach Claude. They get a pairing code; you decide who may talk to your agent."
      />
      <OwnerCard />
      <Card
        title={
          <>Pairing requests {pending.length > 0 && <Badge tone="warn">{pending.length} waiting</Badge>}</>
        }
      >
        {pairings.status === 'loading' && <Spinner label="Loading requests…" />}
        {pairings.status === 'error' && (
          <ErrorState message={pairings.error ?? ''} onRetry={() => void loaders.pairings()} />
        )}
        {pairings.status === 'ready' && pending.length === 0 && (
          <EmptyState icon={<Icon.People />} title="No one is waiting">
            When someone new writes to your bot, their request appears here with the code they were given.
          </EmptyState>
        )}
        <ul className="rows">
          {pending.map((p) => (
            <PairingItem key={p.id} pairing={p} />
          ))}
        </ul>
        {decided.length > 0 && (
          <>
            <h3 className="subhead">Recently decided</h3>
            <ul className="rows rows-quiet">
              {decided.map((p) => (
                <li key={p.id} className="row-item">
                  <span className="avatar avatar-small">{initials(p.name)}</span>
                  <span className="row-main">
                    <strong>{p.name}</strong>
                    <small>
                      {p.channel} · code {p.code}
                    </small>
                  </span>
                  <Badge tone={p.status === 'approved' ? 'good' : 'bad'}>{p.status}</Badge>
                </li>
              ))}
            </ul>
          </>
        )}
      </Card>
      <Card title="Who can talk to your agent">
        {contacts.status === 'loading' && <Spinner label="Loading contacts…" />}
        {contacts.status === 'error' && (
          <ErrorState message={contacts.error ?? ''} onRetry={() => void loaders.contacts()} />
        )}
        {contacts.status === 'ready' && contacts.items.length === 0 && (
          <EmptyState title="No contacts yet">
            People who write to your agent are listed here, per channel.
          </EmptyState>
        )}
        {channels.map((channel) => (
          <div key={channel} className="channel-group">
            <h3 className="subhead">
              <span className={`channel channel-${channel}`}>{channel}</span>
            </h3>
            <ul className="rows">
              {contacts.items
                .filter((c) => c.channel === channel)
                .map((c) => (
                  <ContactItem
                    key={c.id}
                    contact={c}
                    waiting={pending.some((p) => p.channel === c.channel && p.external_id === c.external_id)}
                    owner={owners.some((o) => o.channel === c.channel && o.external_id === c.external_id)}
                  />
                ))}
            </ul>
          </div>
        ))}
      </Card>
    </div>
  );
}

function PairingItem({ pairing }: { pairing: PairingRow }) {
  const [busy, setBusy] = useState<'approved' | 'denied'>();
  const [error, setError] = useState<string>();
  const decide = (decision: 'approved' | 'denied') => {
    setBusy(decision);
    setError(undefined);
    act
      .decidePairing(pairing.id, decision)
      .catch((e) => setError(errorMessage(e)))
      .finally(() => setBusy(undefined));
  };
  return (
    <li className="row-item pairing" data-testid="pairing-request">
      <span className="avatar">{initials(pairing.name)}</span>
      <span className="row-main">
        <strong>{pairing.name}</strong>
        <small>
          {pairing.channel} · id {pairing.external_id} · {timeAgo(pairing.created_at)}
        </small>
        {error && <span className="field-error">{error}</span>}
      </span>
      <code className="pair-code" title="The code they were sent">
        {pairing.code}
      </code>
      <Button small kind="ghost" busy={busy === 'denied'} onClick={() => decide('denied')}>
        Deny
      </Button>
      <Button small kind="primary" busy={busy === 'approved'} onClick={() => decide('approved')}>
        Approve
      </Button>
    </li>
  );
}

function ContactItem({ contact, waiting, owner }: { contact: ContactRow; waiting: boolean; owner: boolean }) {
  const [busy, setBusy] = useState(false);
  // Someone who asked and is not decided yet is waiting, not blocked: blocked is a decision.
  const access = owner ? 'Owner' : contact.allowed ? 'Allowed' : waiting ? 'Waiting for approval' : 'Blocked';
  return (
    <li className="row-item">
      <span className="avatar avatar-small">{initials(contact.name)}</span>
      <span className="row-main">
        <strong>{contact.name}</strong>
        <small>
          {contact.username ? `@${contact.username} · ` : ''}
          {contact.external_id}
        </small>
      </span>
      <span className="muted" data-testid="contact-access">
        {access}
      </span>
      {/* The owner always reaches the agent: ownership is changed in the Owner card, not here. */}
      <Switch
        checked={owner || contact.allowed}
        disabled={busy || owner}
        label={`Allow ${contact.name}`}
        onChange={(allowed) => {
          setBusy(true);
          void act.setAllowed(contact.id, allowed).finally(() => setBusy(false));
        }}
      />
    </li>
  );
}
