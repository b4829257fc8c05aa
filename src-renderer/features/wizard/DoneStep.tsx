// Step 6: done — a link to say hello to the bot, then the dashboard.
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useStore } from '../../store/store.ts';
import { WhatsAppLinkCard } from '../integrations/WhatsAppLinkCard.tsx';

export function DoneStep() {
  const bot = useStore((s) => s.app?.wizard.telegram);
  const linked = useStore((s) => s.app?.wizard.whatsapp?.mode === 'linked');
  return (
    <div className="done">
      <div className="done-mark">
        <Icon.Check />
      </div>
      <h1>Your agent is alive</h1>
      <p className="lead">
        Say hello to it on Telegram. The first person to write gets a pairing code — approve it in MONO and
        the conversation starts.
      </p>
      {bot && (
        <a className="btn btn-secondary btn-large" href={bot.link} target="_blank" rel="noreferrer">
          <Icon.Telegram /> Say hello to @{bot.username}
        </a>
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
