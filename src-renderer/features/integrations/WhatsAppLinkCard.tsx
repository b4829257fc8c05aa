// Linking a personal WhatsApp number: the agent publishes its link state (whatsapp_link:current) and this shows
// it live — the QR to scan, or the pairing code to type, then the linked account — and lets the owner stop
// linking (WhatsApp is then off, and every screen says so).
import { useEffect } from 'react';
import { Icon } from '../../components/icons.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { Button, Spinner } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { loadWhatsAppLink } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';

export function WhatsAppLinkCard() {
  const link = useStore((s) => s.whatsappLink);
  const online = useStore((s) => s.sync.state === 'online');
  const cancel = useAction();

  useEffect(() => {
    if (online) void loadWhatsAppLink();
  }, [online]);

  const stop = link?.state !== 'connected' && (
    <div className="form-actions">
      {cancel.error && <span className="field-error">{cancel.error}</span>}
      <Button
        kind="ghost"
        small
        busy={cancel.busy}
        onClick={() => void cancel.run(() => mono.wizard.saveWhatsApp({ mode: 'skip' }))}
      >
        Cancel linking
      </Button>
    </div>
  );
  return (
    <>
      <LinkState />
      {stop}
    </>
  );
}

function LinkState() {
  const link = useStore((s) => s.whatsappLink);
  if (link === undefined || link === null || link.state === 'connecting') {
    return <Spinner label="Waiting for WhatsApp…" />;
  }
  if (link.state === 'connected') {
    return (
      <div className="success-box" data-testid="whatsapp-linked">
        <Icon.Check />
        <div>
          <strong>WhatsApp is linked</strong>
          <span>
            {link.account ? `Your agent answers as ${link.account}.` : 'Your agent answers on WhatsApp.'}
          </span>
        </div>
      </div>
    );
  }
  if (link.state === 'pairing_code' && link.pairing_code) {
    return (
      <div className="link-box" data-testid="whatsapp-code">
        <code className="pair-code pair-code-large">{link.pairing_code}</code>
        <ol className="howto">
          <li>On your phone, open WhatsApp → Settings → Linked devices.</li>
          <li>Tap “Link a device”, then “Link with phone number instead”.</li>
          <li>Type this code.</li>
        </ol>
      </div>
    );
  }
  if (link.state === 'qr' && link.qr) {
    return (
      <div className="link-box" data-testid="whatsapp-qr">
        <QrCode value={link.qr} size={188} label="QR code to link WhatsApp" />
        <ol className="howto">
          <li>On your phone, open WhatsApp → Settings → Linked devices.</li>
          <li>Tap “Link a device” and point the camera at this code.</li>
          <li>The code refreshes by itself every few seconds.</li>
        </ol>
      </div>
    );
  }
  return (
    <div className="error-box" role="alert">
      <Icon.Alert />
      <div>
        <strong>
          {link.state === 'logged_out' ? 'WhatsApp logged this device out' : 'WhatsApp is disconnected'}
        </strong>
        <p>
          {link.detail ?? 'Your agent tries again by itself; a new code appears here when one is needed.'}
        </p>
      </div>
    </div>
  );
}
