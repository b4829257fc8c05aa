// What is wrong with the agent, on every screen: one line saying what, one saying what to do, the service's own
// words on demand. The connection itself (offline, not responding) is the offline banner's.
import { Icon } from '../../components/icons.tsx';
import { go } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';

/** Where a problem is fixed, when a screen of the app is the place. */
const FIX_SCREEN = {
  owner: ['access', 'Claim it'],
  claude: ['integrations', 'Fix it'],
  telegram: ['integrations', 'Fix it'],
  whatsapp: ['integrations', 'Fix it'],
} as const;

export function HealthBanner() {
  const problems = useStore((s) => s.health.problems);
  const shown = problems.filter((p) => p.state !== 'unresponsive' && p.state !== 'stopped');
  if (shown.length === 0) return null;
  return (
    <div className="health-banner" role="alert" data-testid="health-banner">
      {shown.map((problem) => (
        <div
          key={`${problem.part}-${problem.state}`}
          className={`health-line health-${problem.state}`}
          data-testid={`problem-${problem.part}`}
        >
          <Icon.Alert />
          <strong>{problem.title}.</strong>
          <span>{problem.fix}</span>
          {problem.state !== 'unreachable' && problem.part in FIX_SCREEN && (
            <button
              type="button"
              className="link banner-action"
              onClick={() => go(FIX_SCREEN[problem.part as keyof typeof FIX_SCREEN][0])}
            >
              {FIX_SCREEN[problem.part as keyof typeof FIX_SCREEN][1]}
            </button>
          )}
          {problem.detail && (
            <details>
              <summary>Details</summary>
              {problem.detail}
            </details>
          )}
        </div>
      ))}
    </div>
  );
}
