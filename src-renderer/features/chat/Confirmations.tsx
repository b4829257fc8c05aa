// What MONO asked the owner to confirm in their chat, as buttons: Yes and No send the /yes and /no MONO waits
// for (a command MONO handles itself, so only the owner can confirm).
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';
import { sendChat } from '../../store/chat-actions.ts';
import { useStore } from '../../store/store.ts';

export function Confirmations() {
  const actions = useStore((s) => s.chat.actions);
  const answering = useStore((s) =>
    s.chat.outbox.some((item) => item.state === 'sending' && /^\/(yes|no)$/.test(item.text)),
  );
  if (actions.length === 0) return null;
  return (
    <section className="confirm" aria-label="Waiting for your go-ahead" data-testid="confirmations">
      <div className="confirm-head">
        <Icon.Alert />
        <strong>
          {actions.length === 1 ? 'MONO waits for your go-ahead' : 'MONO waits for your go-ahead on these'}
        </strong>
      </div>
      <ul>
        {actions.map((action) => (
          <li key={action.id} data-testid="confirmation">
            <span className="confirm-tool">{action.tool}</span> {action.summary}
          </li>
        ))}
      </ul>
      <div className="row">
        <Button kind="primary" small busy={answering} onClick={() => void sendChat('/yes')}>
          Yes, go ahead
        </Button>
        <Button small disabled={answering} onClick={() => void sendChat('/no')}>
          No
        </Button>
      </div>
    </section>
  );
}
