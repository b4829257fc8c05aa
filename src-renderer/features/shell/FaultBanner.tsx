// What the agent is living through (a full disk, a service it cannot reach, a kill for memory), in the owner's
// words, while the desktop is connected to it: the agent writes agent_status.faults, this only shows it.
import { faultNotes } from '../../../agent-core/contract/faults.ts';
import { useStore } from '../../store/store.ts';

export function FaultBanner() {
  const online = useStore((s) => s.sync.state === 'online');
  const faults = useStore((s) => s.agentStatus?.faults);
  if (!online) return null;
  const notes = faultNotes(faults);
  if (notes.length === 0) return null;
  const worst = notes.some((note) => note.level === 'bad') ? 'bad' : 'warn';
  return (
    <div className={`banner banner-${worst}`} role="status" data-testid="fault-banner">
      <ul className="fault-notes">
        {notes.map((note) => (
          <li key={note.text} data-level={note.level}>
            {note.text}
          </li>
        ))}
      </ul>
    </div>
  );
}
