// What the dashboard reads and changes in the agent's datastore (conversations, contacts, pairings, settings,
// jobs, usage), and the state of the live connection to it.
import type { HandlersFor } from '../../ipc/dispatch.ts';
import type { Data } from '../data.ts';
import type { Sync } from '../sync.ts';

export function datastoreHandlers(deps: {
  data: Data;
  sync: Pick<Sync, 'status'>;
}): HandlersFor<
  'sync' | 'conversation' | 'message' | 'pairing' | 'contact' | 'setting' | 'job' | 'usage' | 'whatsapp'
> {
  const { data } = deps;
  return {
    'sync.status': async () => deps.sync.status(),
    'conversation.list': async (input) => data.conversations(input?.search),
    'conversation.messages': async ({ conversation, limit }) => data.messages(conversation, limit),
    'conversation.markRead': async ({ conversation }) => data.markRead(conversation),
    // The agent watches for replies put back to pending and sends them (agent-core/agent/pending-replies.ts).
    'message.retry': async ({ message }) => data.retryMessage(message),
    'pairing.list': async () => data.pairings(),
    'pairing.decide': async ({ id, decision }) => data.decidePairing(id, decision),
    'contact.list': async () => data.contacts(),
    'contact.setAllowed': async ({ id, allowed }) => data.setContactAllowed(id, allowed),
    'setting.list': async () => data.settings(),
    'setting.set': async ({ key, value }) => data.setSetting(key, value),
    'job.list': async () => data.jobs(),
    'job.create': async (input) => data.createJob(input),
    'job.setEnabled': async ({ id, enabled }) => data.setJobEnabled(id, enabled),
    'job.delete': async ({ id }) => data.deleteJob(id),
    'job.runs': async ({ job }) => data.jobRuns(job),
    'usage.list': async ({ days }) => data.usage(days),
    'whatsapp.link': async () => data.whatsappLink(),
  };
}
