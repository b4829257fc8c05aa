// A one-time code that makes whoever sends it to the bot an owner: the code to type, the t.me link that opens the
// bot with it ready to send, and that link as a QR for the phone. Shown once; a new one can be made any time.
import { useCallback, useEffect, useState } from 'react';
import type { OwnerClaim } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { Button, Spinner } from '../../components/ui.tsx';
import { clock } from '../../lib/format.ts';
import { errorMessage } from '../../lib/mono.ts';
import { act } from '../../store/actions.ts';

export function ClaimPanel({ mode, intro }: { mode: 'add' | 'replace'; intro: string }) {
  const [claim, setClaim] = useState<OwnerClaim>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const make = useCallback(() => {
    setBusy(true);
    setError(undefined);
    act
      .claimOwner(mode)
      .then(setClaim)
      .catch((e) => setError(errorMessage(e)))
      .finally(() => setBusy(false));
  }, [mode]);
  useEffect(() => make(), [make]);

  if (error) {
    return (
      <div className="error-box" role="alert">
        <Icon.Alert />
        <div>
          <strong>No code yet</strong>
          <p>{error}</p>
        </div>
        <Button small onClick={make}>
          Try again
        </Button>
      </div>
    );
  }
  if (!claim) return <Spinner label="Making a one-time code…" />;
  return (
    <div className="claim" data-testid="owner-claim">
      <p>{intro}</p>
      <div className="claim-body">
        {claim.telegramLink && (
          <QrCode value={claim.telegramLink} size={156} label="QR code that opens your bot with the code" />
        )}
        <div className="claim-steps">
          {claim.telegramLink && (
            <a
              className="btn btn-primary"
              href={claim.telegramLink}
              target="_blank"
              rel="noreferrer"
              data-testid="claim-link"
            >
              <Icon.Telegram /> Open the bot and send the code
            </a>
          )}
          <p className="muted">
            {claim.telegramLink
              ? 'Or scan the QR with your phone, or send this code yourself:'
              : 'Send this code:'}
          </p>
          <code className="pair-code pair-code-large" data-testid="claim-code">
            {claim.code}
          </code>
          <p className="muted">
            It works once, until {clock(claim.expiresAt)}.{' '}
            <button type="button" className="link" disabled={busy} onClick={make}>
              New code
            </button>
          </p>
        </div>
      </div>
    </div>
  );
}
