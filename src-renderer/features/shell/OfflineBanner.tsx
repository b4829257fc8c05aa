// The banner shown while the agent cannot be reached or does not answer: what is happening, that nothing is lost,
// when MONO retries — and, paused, what happens to the messages that arrive meanwhile.
import { useEffect, useState } from 'react';
import { act } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';

export function OfflineBanner() {
  const sync = useStore((s) => s.sync);
  const bridgeConnected = useStore((s) => s.bridgeConnected);
  const paused = useStore((s) => s.agentStatus?.paused ?? s.server?.paused ?? false);
  const stopped = useStore((s) => s.health.problems.find((p) => p.state === 'stopped'));
  const [resuming, setResuming] = useState(false);
  const [, tick] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);

  if (!bridgeConnected) {
    return (
      <div className="banner banner-bad" role="alert" data-testid="offline-banner">
        <span className="pulse-dot" />
        <strong>MONO's background service stopped.</strong>
        <span>
          Start it again with <code>npm start</code> — this page reconnects by itself.
        </span>
      </div>
    );
  }
  if (sync.state === 'online' && paused) {
    return (
      <div className="banner banner-info" role="status" data-testid="paused-banner">
        <strong>Your agent is paused.</strong>
        <span>People who write get a short notice; every message is kept. Jobs wait too.</span>
        <button
          type="button"
          className="link banner-action"
          disabled={resuming}
          onClick={() => {
            setResuming(true);
            void act.resume().finally(() => setResuming(false));
          }}
        >
          {resuming ? 'Resuming…' : 'Resume'}
        </button>
      </div>
    );
  }
  if (sync.state === 'unresponsive') {
    return (
      <div className="banner banner-bad" role="alert" data-testid="unresponsive-banner">
        <span className="pulse-dot" />
        <strong>Your agent is not responding.</strong>
        <span>
          No answer for {Math.round((Date.now() - Date.parse(sync.since)) / 1000) + 5} s. Messages people send
          are kept. It may be overloaded or stuck — if this lasts, restart it from the Server screen.
        </span>
      </div>
    );
  }
  if (sync.state === 'online') return null;
  // A restart for a new key drops the link for a second: only say "offline" once it lasts.
  if (Date.now() - Date.parse(sync.since) < 1500) return null;
  if (sync.state === 'connecting' && sync.epoch === 0) {
    return (
      <div className="banner banner-info" role="status" data-testid="connecting-banner">
        <span className="pulse-dot" />
        Connecting to your agent…
      </div>
    );
  }
  const retryIn = sync.nextRetryAt
    ? Math.max(0, Math.ceil((Date.parse(sync.nextRetryAt) - Date.now()) / 1000))
    : 0;
  return (
    <div className="banner banner-warn" role="alert" data-testid="offline-banner">
      <span className="pulse-dot" />
      <strong>{stopped ? 'Your agent stopped.' : 'Your agent is offline.'}</strong>
      <span>
        {stopped?.detail && <span data-testid="stopped-reason">{stopped.detail} </span>}
        Messages people send now are kept and answered when it is back.{' '}
        {retryIn > 0 ? `Reconnecting in ${retryIn} s…` : 'Reconnecting…'}
      </span>
    </div>
  );
}
