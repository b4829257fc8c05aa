// Step 6: the agent runs — now make it yours: a one-time code (typed, as a t.me link, or scanned as a QR) that makes
// whoever sends it to the bot its owner; then WhatsApp linking if chosen, and the dashboard.
import { useEffect } from 'react';
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { loaders } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { WhatsAppLinkCard } from '../integrations/WhatsAppLinkCard.tsx';
import { ClaimPanel } from '../owner/ClaimPanel.tsx';

export function DoneStep() {
  const bot = useStore((s) => s.app?.wizard.telegram);
  const linked = useStore((s) => s.app?.wizard.whatsapp?.mode === 'linked');
  const online = useStore((s) => s.sync.state === 'online');
  const owners = useStore((s) => s.owners);
  const ownerless = useStore((s) => s.health.problems.some((p) => p.state === 'ownerless'));

  useEffect(() => {
    if (online) void loaders.owners();
  }, [online]);

  const owner = owners.items[0];
  return (
    <div className="done">
      <div className="done-mark">
        <Icon.Check />
      </div>
      <h1>Your agent is alive</h1>
      {owner || (!ownerless && owners.status === 'ready') ? (
        <div className="success-box" data-testid="owner-claimed">
          <Icon.Check />
          <div>
            <strong>
              {owner ? `${owner.name || owner.external_id} owns this agent` : 'Your agent has its owner'}
            </strong>
            <span>
              {bot ? `Say hello to @${bot.username}: ` : ''}it answers its owner with all its tools and
              memory, and strangers get a pairing code for you to approve.
            </span>
          </div>
        </div>
      ) : (
        <>
          <p className="lead">
            Now make it yours. Until someone owns it, it tells everyone that it is not set up yet.
          </p>
          {online && (
            <ClaimPanel
              mode="add"
              intro={
                bot
                  ? `Open @${bot.username} on your phone (or scan the QR) and send the code: your account becomes its owner.`
                  : 'Send this code to your agent from your own account: it becomes its owner.'
              }
            />
          )}
        </>
      )}
      {linked && (
        <div className="done-whatsapp">
          <h2>Link WhatsApp</h2>
          <WhatsAppLinkCard />
        </div>
      )}
      <Button kind="primary" onClick={() => void mono.wizard.finish()}>
        Open the dashboard <Icon.Arrow />
      </Button>
    </div>
  );
}
