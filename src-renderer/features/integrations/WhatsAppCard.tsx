// The WhatsApp integration: a linked personal number (QR / pairing code, live, and a way to stop linking), the
// Business Cloud API token, or the choice between them when neither is set up.
import { Badge, Button, Card } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';
import { SecretForm } from './SecretForm.tsx';
import { ServiceBadge, ServiceFix, useProblem } from './ServiceState.tsx';
import { WhatsAppLinkCard } from './WhatsAppLinkCard.tsx';
import { VerifyTokenSetting, WebhookGuide } from './WhatsAppWebhook.tsx';
import { linkStatus } from './whatsapp-link.ts';

export function WhatsAppCard() {
  const mode = useStore((s) => s.app?.wizard.whatsapp?.mode ?? 'skip');
  const link = useStore((s) => s.whatsappLink);
  const local = useStore((s) => s.app?.mode === 'local');
  const verifyTokenSet = useStore(
    (s) => s.app?.secrets.find((secret) => secret.name === 'whatsapp_verify_token')?.set ?? false,
  );
  const problem = useProblem('whatsapp');
  const { busy, error, run } = useAction();
  const status = linkStatus(link);

  const badge =
    mode === 'linked' && !problem ? (
      <Badge tone={status.tone}>
        <span data-testid="state-whatsapp">{status.label}</span>
      </Badge>
    ) : mode === 'skip' ? (
      <Badge>
        <span data-testid="state-whatsapp">Not set up</span>
      </Badge>
    ) : (
      <ServiceBadge part="whatsapp" configured ok="Business API" />
    );

  const link_ = () => void run(() => mono.wizard.saveWhatsApp({ mode: 'linked' }));

  return (
    <Card title="WhatsApp" actions={badge}>
      <ServiceFix part="whatsapp" />
      {mode === 'linked' && <WhatsAppLinkCard />}
      {mode === 'cloud' && (
        <>
          <p className="muted">WhatsApp Business through Meta's Cloud API.</p>
          <WebhookGuide local={local} />
          <VerifyTokenSetting isSet={verifyTokenSet} />
          <SecretForm name="whatsapp_access_token" label="New access token" />
        </>
      )}
      {mode === 'skip' && (
        <>
          <p className="muted">
            Link your own number like WhatsApp Web — your agent then answers there too. A business number
            works as well: open the setup again from the Server screen and choose it at the WhatsApp step.
          </p>
          <div className="form-actions">
            <Button kind="primary" busy={busy} onClick={link_}>
              Link my WhatsApp
            </Button>
          </div>
        </>
      )}
      {error && <p className="field-error">{error}</p>}
    </Card>
  );
}
