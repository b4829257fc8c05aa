// Stepping into a conversation: the owner writes to the contact themselves (sent through the contact's channel,
// marked as theirs), and while they answer a bar says MONO is paused here, with Resume. MONO answers again by
// itself once the quiet time after the owner's last message has passed.
import { useEffect, useState } from 'react';
import { ownerAnswering } from '../../../agent-core/contract/desktop-chat.ts';
import type { ConversationRow } from '../../../agent-core/contract/tables.ts';
import { Button } from '../../components/ui.tsx';
import { clock } from '../../lib/format.ts';
import { useAction } from '../../lib/use-action.ts';
import { stepIn } from '../../store/chat-actions.ts';
import { Composer } from '../chat/Composer.tsx';
import { QuietTime } from './QuietTime.tsx';

/** The longest a browser timer waits (about 24.8 days); a later end is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether the owner is answering right now, re-evaluated when their quiet time runs out. */
function useOwnerAnswering(until: string | undefined): boolean {
  const [, setTick] = useState(0);
  const answering = ownerAnswering(until);
  useEffect(() => {
    if (!answering || !until) return;
    const left = Date.parse(until) - Date.now();
    const timer = setTimeout(() => setTick((n) => n + 1), Math.min(MAX_TIMER_MS, Math.max(0, left) + 50));
    return () => clearTimeout(timer);
  }, [answering, until]);
  return answering;
}

export function StepIn({ conversation }: { conversation: ConversationRow }) {
  const answering = useOwnerAnswering(conversation.owner_until);
  const resume = useAction();
  const name = conversation.title || 'this contact';
  return (
    <div className="step-in">
      {answering && conversation.owner_until && (
        <div className="step-in-bar" role="status" data-testid="step-in-bar">
          <span className="dot" aria-hidden="true" />
          <div>
            <strong>You are answering — MONO is paused here</strong>
            <span>
              Messages from {name} wait for you. MONO answers again at {clock(conversation.owner_until)} if
              you write nothing more, or now with Resume.
            </span>
            {resume.error && <span className="field-error">{resume.error}</span>}
          </div>
          <Button
            small
            busy={resume.busy}
            onClick={() => void resume.run(() => stepIn.resume(conversation.id))}
          >
            Resume
          </Button>
        </div>
      )}
      <Composer
        label={`Your message to ${name}`}
        placeholder={`Write to ${name} yourself — sent as you on ${conversation.channel}; MONO pauses here`}
        onSend={(text, clientId) => stepIn.send(conversation.id, text, clientId)}
        testId="step-in-composer"
      />
      <QuietTime />
    </div>
  );
}
