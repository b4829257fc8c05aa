// A service's state as its card shows it: the agent's own finding first (credentials rejected, not reachable),
// then whether MONO holds credentials for it at all. The fix is the same line every screen shows.
import type { HealthProblem } from '../../../src-main/ipc/contract.ts';
import { Badge } from '../../components/ui.tsx';
import { useStore } from '../../store/store.ts';

const LABEL: Record<HealthProblem['state'], string> = {
  rejected: 'Credentials rejected',
  unreachable: 'Not reachable',
  error: 'Problem',
  stopped: 'Stopped',
  unresponsive: 'Not responding',
  ownerless: 'No owner',
};

export function useProblem(part: string): HealthProblem | undefined {
  return useStore((s) => s.health.problems.find((p) => p.part === part));
}

export function ServiceBadge(props: { part: string; configured: boolean; ok?: string; missing?: string }) {
  const problem = useProblem(props.part);
  if (problem) {
    return (
      <Badge tone={problem.state === 'unreachable' ? 'warn' : 'bad'}>
        <span data-testid={`state-${props.part}`}>{LABEL[problem.state]}</span>
      </Badge>
    );
  }
  return (
    <Badge tone={props.configured ? 'good' : props.missing ? 'bad' : 'neutral'}>
      <span data-testid={`state-${props.part}`}>
        {props.configured ? (props.ok ?? 'Connected') : (props.missing ?? 'Not set up')}
      </span>
    </Badge>
  );
}

/** The one-line fix under a card's title while its service has a problem. */
export function ServiceFix({ part }: { part: string }) {
  const problem = useProblem(part);
  if (!problem) return null;
  return (
    <div className={problem.state === 'unreachable' ? 'warn-box' : 'error-box'} role="status">
      <div>
        <strong>{problem.title}.</strong> {problem.fix}
        {problem.detail && <p className="muted">{problem.detail}</p>}
      </div>
    </div>
  );
}
