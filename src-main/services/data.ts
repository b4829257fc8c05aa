// What the dashboard reads and changes in the agent's datastore, as SurrealQL over the sync connection. The agent
// watches these rows (pairings, settings, jobs) and reacts live; nothing here needs the agent to restart.

import type { OwnerRow } from '../../agent-core/contract/owners.ts';
import type {
  AgentStatusRow,
  ContactRow,
  ConversationRow,
  JobRow,
  JobRunRow,
  MessageRow,
  PairingRow,
  SettingRow,
  UsageRow,
} from '../../agent-core/contract/tables.ts';
import { decidePairing } from '../../agent-core/pairing/pairing.ts';
import { removeOwner, storeOwnerClaim } from '../../agent-core/store/owners.ts';
import type { ConversationHit, MethodInput, WhatsAppLink } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import { recordId, type Sync } from './sync.ts';

/**
 * How far a search reads message text: the newest messages of the most recent conversations, through the
 * (conversation, created_at) index. A full scan costs ~70 µs a message (seconds for a long history) and a
 * full-text index would slow every stored message down; this stays well under a second.
 */
export const SEARCH = { conversations: 50, messagesEach: 300 } as const;

export function createData(sync: Pick<Sync, 'query' | 'withDb'>) {
  async function rows<T>(sql: string, vars?: Record<string, unknown>): Promise<T[]> {
    const results = await sync.query<T>(sql, vars);
    return results.at(-1) ?? [];
  }

  /** The newest message of each conversation that contains `q` (lower case), in one round trip. */
  async function messageHits(conversations: ConversationRow[], q: string) {
    const hits = new Map<string, { text: string; at: string }>();
    if (conversations.length === 0) return hits;
    const vars: Record<string, unknown> = { q, depth: SEARCH.messagesEach };
    const statements = conversations.map((c, i) => {
      vars[`c${i}`] = recordId(c.id);
      return `SELECT text, created_at FROM (SELECT text, created_at FROM message WHERE conversation = $c${i}
        ORDER BY created_at DESC LIMIT $depth) WHERE string::contains(string::lowercase(text), $q) LIMIT 1;`;
    });
    const results = await sync.query<{ text: string; created_at: string }>(statements.join('\n'), vars);
    conversations.forEach((c, i) => {
      const [hit] = results[i] ?? [];
      if (hit) hits.set(c.id, { text: hit.text, at: hit.created_at });
    });
    return hits;
  }

  return {
    async conversations(search?: string): Promise<ConversationHit[]> {
      const all = (
        await rows<ConversationRow>('SELECT * FROM conversation ORDER BY last_message_at DESC LIMIT 1000')
      ).sort((a, b) => String(b.last_message_at ?? '').localeCompare(String(a.last_message_at ?? '')));
      const q = search?.trim().toLowerCase();
      if (!q) return all;
      const hits = await messageHits(all.slice(0, SEARCH.conversations), q);
      return all.flatMap((c) => {
        const match = hits.get(c.id);
        if (match) return [{ ...c, match }];
        return `${c.title} ${c.last_message_preview ?? ''}`.toLowerCase().includes(q) ? [c] : [];
      });
    },
    async messages(conversation: string, limit = 10_000): Promise<MessageRow[]> {
      const latest = await rows<MessageRow>(
        'SELECT * FROM message WHERE conversation = $conversation ORDER BY created_at DESC LIMIT $limit',
        { conversation: recordId(conversation), limit },
      );
      return latest.reverse();
    },
    async markRead(conversation: string): Promise<{ ok: true }> {
      await rows('UPDATE $id SET unread = 0', { id: recordId(conversation) });
      return { ok: true };
    },
    /** A failed reply goes back to "pending", with a retry request the running agent acts on at once. */
    async retryMessage(message: string): Promise<{ ok: true }> {
      const [row] = await rows<{ direction: string; status: string }>('SELECT direction, status FROM $id', {
        id: recordId(message),
      });
      if (row?.status !== 'failed') throw new UserError('This message is not failed (any more).');
      if (row.direction !== 'out') {
        throw new UserError(
          'Your agent already told this person it could not answer. Ask them to send the message again.',
        );
      }
      // The agent watches retry_request live and sends the reply again (agent-core/agent/pending-replies.ts).
      await rows(
        `BEGIN;
         UPDATE $id SET status = 'pending', error = NONE, updated_at = time::now();
         CREATE retry_request SET message = $id;
         COMMIT;`,
        { id: recordId(message) },
      );
      return { ok: true };
    },
    pairings: () => rows<PairingRow>('SELECT * FROM pairing ORDER BY created_at DESC LIMIT 500'),
    async decidePairing(id: string, decision: 'approved' | 'denied'): Promise<{ ok: true }> {
      // The agent's own decision (pairing row + the contact's access in one transaction), as `mono pairing` does.
      const [pairing] = await rows<{ code: string }>('SELECT code FROM $id', { id: recordId(id) });
      if (!pairing) throw new UserError('This request is gone — it may have been answered already.');
      await sync.withDb((db) => decidePairing(db, pairing.code, decision));
      return { ok: true };
    },
    contacts: () => rows<ContactRow>('SELECT * FROM contact ORDER BY created_at DESC LIMIT 2000'),
    async setContactAllowed(id: string, allowed: boolean): Promise<{ ok: true }> {
      await rows('UPDATE $id SET allowed = $allowed', { id: recordId(id), allowed });
      return { ok: true };
    },
    owners: () => rows<OwnerRow>('SELECT * FROM owner ORDER BY created_at ASC'),
    /** Stores a claim's hash and expiry (the agent recognises the code); the code itself only goes back to the screen. */
    claimOwner: (mode: 'add' | 'replace') => sync.withDb((db) => storeOwnerClaim(db, { mode })),
    async removeOwner(id: string): Promise<{ ok: true }> {
      const [row] = await rows<OwnerRow>('SELECT * FROM $id', { id: recordId(id) });
      if (!row) throw new UserError('This account is not an owner any more.');
      await sync.withDb((db) => removeOwner(db, row.channel, row.external_id));
      return { ok: true };
    },
    settings: () => rows<SettingRow>('SELECT * FROM setting'),
    async setSetting(key: string, value: unknown): Promise<{ ok: true }> {
      await rows('UPSERT $id CONTENT { key: $key, value: $value, updated_at: time::now() }', {
        id: recordId(`setting:${key}`),
        key,
        value,
      });
      return { ok: true };
    },
    jobs: () => rows<JobRow>('SELECT * FROM job ORDER BY created_at DESC'),
    async createJob(input: MethodInput<'job.create'>): Promise<JobRow> {
      // The picker has minute precision: the current minute is "now", anything before it is the past.
      if (input.runAt && Date.parse(input.runAt) < Date.now() - 60_000) {
        throw new UserError(
          'This date and time has passed. Choose a moment from now on — a one-off job runs once, at that time.',
          'PastDate',
        );
      }
      const [job] = await rows<JobRow>(
        `CREATE job CONTENT {
           name: $name, prompt: $prompt, timezone: $timezone, conversation: $conversation, enabled: true,
           cron: $cron, run_at: IF $run_at THEN <datetime>$run_at ELSE NONE END, created_at: time::now()
         }`,
        {
          name: input.name,
          prompt: input.prompt,
          timezone: input.timezone,
          conversation: recordId(input.conversation),
          cron: input.cron ?? undefined,
          run_at: input.runAt ?? undefined,
        },
      );
      if (!job) throw new Error('The job was not created.');
      return job;
    },
    async setJobEnabled(id: string, enabled: boolean): Promise<{ ok: true }> {
      await rows('UPDATE $id SET enabled = $enabled', { id: recordId(id), enabled });
      return { ok: true };
    },
    async deleteJob(id: string): Promise<{ ok: true }> {
      await rows('DELETE job_run WHERE job = $id; DELETE $id', { id: recordId(id) });
      return { ok: true };
    },
    jobRuns: (job: string) =>
      rows<JobRunRow>('SELECT * FROM job_run WHERE job = $job ORDER BY started_at DESC LIMIT 50', {
        job: recordId(job),
      }),
    /** Paused lives in agent_status:current (the agent and the owner's /pause read and write it too). */
    async paused(): Promise<boolean> {
      const results = (await sync.query('RETURN agent_status:current.paused')) as unknown[];
      return results[0] === true;
    },
    async setPaused(paused: boolean): Promise<void> {
      await rows('UPDATE agent_status:current SET paused = $paused', { paused });
    },
    async agentStatus(): Promise<AgentStatusRow | null> {
      const [row] = await rows<AgentStatusRow>('SELECT * FROM agent_status:current');
      return row ?? null;
    },
    async forgetWhatsAppLink(): Promise<void> {
      await rows('DELETE whatsapp_link:current');
    },
    async whatsappLink(): Promise<WhatsAppLink | null> {
      const [row] = await rows<WhatsAppLink>('SELECT * FROM whatsapp_link:current');
      return row ?? null;
    },
    usage(days: number): Promise<UsageRow[]> {
      const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      return rows<UsageRow>('SELECT * FROM usage WHERE day >= $since ORDER BY day', { since });
    },
  };
}

export type Data = ReturnType<typeof createData>;
