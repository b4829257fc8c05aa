// Top level: a splash while MONO's services answer, then the setup wizard until it is done (or while it is open
// again), then the dashboard.
import { useEffect } from 'react';
import { ErrorState } from './components/ui.tsx';
import { Dashboard } from './features/shell/Dashboard.tsx';
import { VaultScreen } from './features/vault/VaultScreen.tsx';
import { Wizard } from './features/wizard/Wizard.tsx';
import { init } from './store/actions.ts';
import { useStore } from './store/store.ts';

export function App() {
  const app = useStore((s) => s.app);
  const appError = useStore((s) => s.appError);

  useEffect(() => {
    let off: (() => void) | undefined;
    let cancelled = false;
    void init().then((dispose) => {
      if (cancelled) dispose();
      else off = dispose;
    });
    return () => {
      cancelled = true;
      off?.();
    };
  }, []);

  if (!app) {
    return (
      <div className="splash">
        <div className="brand-mark brand-mark-large" aria-hidden="true" />
        {appError ? (
          <ErrorState message={appError} onRetry={() => window.location.reload()} />
        ) : (
          <p className="splash-text">Starting MONO…</p>
        )}
      </div>
    );
  }
  // Nothing works before MONO can read the owner's keys: set or enter the passphrase first.
  if (app.vault.state !== 'ready') return <VaultScreen vault={app.vault} />;
  return app.wizard.done && !app.wizard.reopened ? <Dashboard /> : <Wizard />;
}
