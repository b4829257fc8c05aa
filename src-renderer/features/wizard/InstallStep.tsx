// Step 5: the install with a progress bar, each step's state and a log; on failure the reason and a retry.
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useStore } from '../../store/store.ts';
import { InstallProgress } from '../server/InstallProgress.tsx';

export function InstallStep() {
  const install = useStore((s) => s.install);
  const mode = useStore((s) => s.app?.mode);
  const started = useRef(false);
  const [error, setError] = useState<string>();

  const start = () => {
    setError(undefined);
    mono.install.start().catch((e: Error) => setError(e.message));
  };

  useEffect(() => {
    if (started.current || install.running || install.steps.length) return;
    started.current = true;
    start();
  });

  return (
    <>
      <p className="eyebrow">Step 5 of 6</p>
      <h1>{mode === 'vps' ? 'Installing MONO on your server' : 'Starting MONO on this computer'}</h1>
      <p className="lead">This takes a moment. You can watch every step below.</p>
      <InstallProgress state={install} />
      {(error || install.error) && (
        <div className="error-box" role="alert" data-testid="install-error">
          <Icon.Alert />
          <div>
            <strong>{install.error ? `“${install.error.step}” failed` : 'Could not start'}</strong>
            <p>{install.error?.message ?? error}</p>
            {install.error?.hint && <p className="muted">{install.error.hint}</p>}
          </div>
        </div>
      )}
      <div className="wizard-nav">
        <Button
          kind="ghost"
          disabled={install.running}
          onClick={() => void mono.wizard.goto({ step: 'where' })}
        >
          Back
        </Button>
        {(install.error || error) && (
          <Button kind="primary" onClick={start}>
            Retry
          </Button>
        )}
      </div>
    </>
  );
}
