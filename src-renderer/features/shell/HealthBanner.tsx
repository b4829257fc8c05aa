// What is wrong with the agent, on every screen: one line saying what, one saying what to do, the service's own
// words on demand. The connection itself (offline, not responding) is the offline banner's.
import { Icon } from '../../components/icons.tsx';
import { useStore } from '../../store/store.ts';

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
