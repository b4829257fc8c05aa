// Backup tests' common parts: a datastore seeded with a row of every kind MONO stores (in flight or finished),
// backups of it made in this process, and the real `mono-agent backup|restore` run as child processes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordId, type Surreal } from 'surrealdb';
import { backupStream } from '../../../agent-core/backup/backup.ts';
import type { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { applySchema } from '../../../agent-core/db/schema.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface AgentRun {
  code: number | null;
  lines: ({ type: string } & Record<string, unknown>)[];
  stdout: Buffer;
  stderr: string;
}

/** `mono-agent <args>` from source, with MONO_DATA_DIR=dataDir and `stdin` as its input. */
export function runAgent(args: string[], dataDir: string, stdin?: Buffer): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'agent-core/main.ts', ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', MONO_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.once('error', reject);
    child.once('close', (code) => {
      const stdout = Buffer.concat(out);
      const lines = `${stdout.toString('utf8')}\n${stderr}`
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .filter((l) => typeof l.type === 'string');
      resolve({ code, lines, stdout, stderr });
    });
  });
}

/** The one line of a given type (fails the test with the whole output if there is none). */
export function lineOf(run: AgentRun, type: string): Record<string, unknown> {
  const found = run.lines.find((l) => l.type === type);
  if (!found)
    throw new Error(
      `no "${type}" line (exit ${run.code}):\n${run.stdout.toString('utf8').slice(0, 4000)}\n${run.stderr}`,
    );
  return found;
}

/** Opens (in this process) a datastore in `dir/db` with MONO's schema, or the files of `schemaDir`. */
export async function openSeeded(dir: string, schemaDir?: string): Promise<Datastore> {
  const datastore = await openDatastore({ url: `surrealkv://${join(dir, 'db')}`, log: silentLogger });
  await applySchema(datastore.db, silentLogger, schemaDir);
  return datastore;
}

const at = (iso: string) => new Date(iso);
const conv = new RecordId('conversation', 'telegram:42');
const contact = new RecordId('contact', 'telegram:42');
const inbound = (id: string, status: string, text: string, created: string) => ({
  id: new RecordId('message', id),
  conversation: conv,
  channel: 'telegram',
  direction: 'in',
  role: 'user',
  text,
  sender: contact,
  readable: true,
  status,
  dedup: `telegram:42:${id}`,
  external_id: id,
  attempts: 1,
  created_at: at(created),
  updated_at: at(created),
});

/** A row of every kind MONO stores; `m3`, `m4`, `m5`, a job run, an event, a mail and a retry are in flight. */
export async function seedEverything(db: Surreal): Promise<void> {
  const rows: Record<string, Record<string, unknown>[]> = {
    contact: [
      {
        id: contact,
        channel: 'telegram',
        external_id: '42',
        name: 'Ada Lovelace',
        username: 'ada',
        allowed: true,
      },
    ],
    conversation: [
      {
        id: conv,
        channel: 'telegram',
        chat_id: '42',
        contact,
        title: 'Ada ✨ Lovelace',
        last_message_at: at('2026-12-01T10:05:00Z'),
        last_message_preview: 'where is my umbrella?',
        unread: 2,
        summary: 'Ada asked about the weather in Lyon.',
        summary_until: at('2026-11-30T00:00:00Z'),
      },
    ],
    message: [
      inbound('m1', 'answered', 'Remember that my dog is called Fox 🦊', '2026-12-01T10:00:00Z'),
      {
        id: new RecordId('message', 'm2'),
        conversation: conv,
        channel: 'telegram',
        direction: 'out',
        role: 'assistant',
        text: 'Noted: your dog is Fox.',
        reply_to: new RecordId('message', 'm1'),
        status: 'sent',
        external_id: '9001',
        parts_sent: 1,
        attempts: 1,
        tool_calls: [{ name: 'remember', input: { fact: 'dog: Fox', nested: [1, 2.5, { deep: null }] } }],
        usage: { input_tokens: 1234, output_tokens: 56, cost_usd: 0.0123 },
        created_at: at('2026-12-01T10:00:02Z'),
        updated_at: at('2026-12-01T10:00:03Z'),
      },
      inbound('m3', 'processing', 'where is my umbrella?', '2026-12-01T10:05:00Z'),
      {
        id: new RecordId('message', 'm4'),
        conversation: conv,
        channel: 'telegram',
        direction: 'out',
        role: 'assistant',
        text: 'A reply recorded but not sent yet',
        reply_to: new RecordId('message', 'm3'),
        status: 'pending',
        parts_sent: 0,
        attempts: 1,
        created_at: at('2026-12-01T10:05:02Z'),
        updated_at: at('2026-12-01T10:05:02Z'),
      },
      inbound('m5', 'received', 'and my keys?', '2026-12-01T10:06:00Z'),
    ],
    job: [
      {
        id: new RecordId('job', 'daily'),
        name: 'morning briefing',
        prompt: 'Tell me the weather',
        cron: '0 8 * * *',
        timezone: 'Europe/Paris',
        conversation: conv,
        enabled: true,
        next_run_at: at('2026-12-02T07:00:00Z'),
        last_slot: at('2026-12-01T07:00:00Z'),
      },
    ],
    job_run: [
      {
        id: new RecordId('job_run', 'r1'),
        job: new RecordId('job', 'daily'),
        slot: at('2026-11-30T07:00:00Z'),
        status: 'ok',
        duration_ms: 1200,
        finished_at: at('2026-11-30T07:00:01Z'),
      },
      {
        id: new RecordId('job_run', 'r2'),
        job: new RecordId('job', 'daily'),
        slot: at('2026-12-01T07:00:00Z'),
        status: 'running',
      },
    ],
    event: [
      {
        id: new RecordId('event', 'e1'),
        source: 'stripe',
        external_id: 'evt_1',
        type: 'charge.succeeded',
        payload: { amount: 4200, meta: { tags: ['a', 'b'] } },
        status: 'received',
      },
    ],
    usage: [
      {
        id: new RecordId('usage', ['2026-12-01', 'claude-sonnet']),
        day: '2026-12-01',
        model: 'claude-sonnet',
        requests: 7,
        input_tokens: 9000,
        output_tokens: 700,
        cost_usd: 0.0421,
      },
    ],
    setting: [
      {
        id: new RecordId('setting', 'timezone'),
        key: 'timezone',
        value: { zone: 'Europe/Paris', since: at('2026-11-01T00:00:00Z') },
      },
    ],
    pairing: [
      {
        id: new RecordId('pairing', 'p1'),
        channel: 'telegram',
        external_id: '77',
        chat_id: '77',
        name: 'Grace',
        code: 'ABC234',
        status: 'pending',
      },
    ],
    agent_status: [
      {
        id: new RecordId('agent_status', 'current'),
        version: '0.9.0',
        started_at: at('2026-12-01T09:00:00Z'),
        heartbeat_at: at('2026-12-01T10:06:00Z'),
        paused: true,
        channels: { telegram: 'polling' },
      },
    ],
    memory: [
      {
        id: new RecordId('memory', 'f1'),
        text: "The owner's dog is called Fox",
        key: "the owner's dog is called fox",
        source: 'tool',
        conversation: conv,
      },
      {
        id: new RecordId('memory', 'f2'),
        text: 'The owner drinks green tea',
        key: 'the owner drinks green tea',
        source: 'owner',
      },
    ],
    action: [
      {
        id: new RecordId('action', 'a1'),
        conversation: conv,
        tool: 'send_email',
        input: { to: 'x@example.com' },
        summary: 'Send an email',
        status: 'pending',
      },
    ],
    mail: [
      {
        id: new RecordId('mail', ['INBOX', 1, 10]),
        mailbox: 'INBOX',
        uid: 10,
        uidvalidity: 1,
        message_id: '<a@b>',
        from_address: 'a@b.example',
        from_name: 'A',
        subject: 'Hello',
        date: at('2026-12-01T08:00:00Z'),
        text: 'body',
        status: 'new',
      },
    ],
    mail_cursor: [
      { id: new RecordId('mail_cursor', ['INBOX']), mailbox: 'INBOX', uidvalidity: 1, last_uid: 10 },
    ],
    whatsapp_link: [
      { id: new RecordId('whatsapp_link', 'current'), state: 'connected', account: '123@s.whatsapp.net' },
    ],
    retry_request: [{ id: new RecordId('retry_request', 'q1'), message: new RecordId('message', 'm4') }],
  };
  // IGNORE: a running agent has written its own status row already.
  for (const [table, list] of Object.entries(rows))
    await db.query(`INSERT IGNORE INTO \`${table}\` $rows RETURN NONE`, { rows: list }).collect();
}

/** A backup of `db` as the bytes of its file. */
export async function backupBytes(
  db: Surreal,
  o: { live: boolean; passphrase?: Secret } = { live: false },
): Promise<Buffer> {
  const stream = await backupStream(db, o);
  const chunks: Buffer[] = [];
  for await (const chunk of stream.bytes) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The entries of a data directory besides `db` (staging and replaced copies). */
export function besideDb(dataDir: string): string[] {
  return existsSync(dataDir)
    ? readdirSync(dataDir)
        .filter((name) => name.startsWith('db.'))
        .sort()
    : [];
}

const WORDS =
  'the quick brown fox jumps over a lazy dog while MONO remembers everything you said yesterday about Lyon tea and umbrellas'.split(
    ' ',
  );

/**
 * `count` messages of an old conversation in `chat` (questions and their answers, 10 to 160 words, minutes apart),
 * as an agent that has been used for months holds them.
 */
export function historyRows(count: number, chat = 'telegram:900'): Record<string, unknown>[] {
  const conversation = new RecordId('conversation', chat);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const text = (n: number, i: number) =>
    Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k) % WORDS.length]).join(' ');
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const created = new Date(start + i * 60_000);
    const question = i % 2 === 0;
    rows.push({
      id: new RecordId('message', `h${chat.replace(/\W/g, '')}${i}`),
      conversation,
      channel: 'telegram',
      direction: question ? 'in' : 'out',
      role: question ? 'user' : 'assistant',
      text: text(question ? 10 + (i % 40) : 30 + (i % 130), i),
      status: question ? 'answered' : 'sent',
      external_id: String(i),
      ...(question
        ? { dedup: `${chat}:${i}`, readable: true }
        : {
            reply_to: new RecordId('message', `h${chat.replace(/\W/g, '')}${i - 1}`),
            parts_sent: 1,
            usage: { input_tokens: 1200 + i, output_tokens: 80 },
          }),
      attempts: 1,
      created_at: created,
      updated_at: created,
    });
  }
  return rows;
}
