// The WhatsApp integration: a linked personal number (QR / pairing code, live), the Business Cloud API token,
// or the choice between them when neither is set up.
import { Badge, Button, Card } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';
import { SecretForm } from './SecretForm.tsx';
import { WhatsAppLinkCard } from './WhatsAppLinkCard.tsx';

export function WhatsAppCard() {
  const mode = useStore((s) => s.app?.wizard.whatsapp?.mode ?? 'skip');
  const linkState = useStore((s) => s.whatsappLink?.state);
  const { busy, error, run } = useAction();

  const badge =
    mode === 'linked' ? (
      <Badge tone={linkState === 'connected' ? 'good' : 'warn'}>
        {linkState === 'connected' ? 'Linked' : 'Waiting for you'}
      </Badge>
    ) : mode === 'cloud' ? (
      <Badge tone="good">Business API</Badge>
    ) : (
      <Badge>Not set up</Badge>
    );

  const link = () => void run(() => mono.wizard.saveWhatsApp({ mode: 'linked' }));

  return (
    <Card title="WhatsApp" actions={badge}>
      {mode === 'linked' && <WhatsAppLinkCard />}
      {mode === 'cloud' && (
        <>
          <p className="muted">WhatsApp Business through Meta's Cloud API.</p>
          <SecretForm name="whatsapp_access_token" label="New access token" />
        </>
      )}
      {mode === 'skip' && (
        <>
          <p className="muted">
            Link your own number like WhatsApp Web — your agent then answers there too. A business number
            works as well (set it up in the first-run wizard's WhatsApp step).
          </p>
          <div className="form-actions">
            <Button kind="primary" busy={busy} onClick={link}>
              Link my WhatsApp
            </Button>
          </div>
          {error && <p className="field-error">{error}</p>}
        </>
      )}
    </Card>
  );
}
