// `mono backup` and `mono restore` on this computer, as a user runs them, against the real built agent and the
// local fakes: a backup taken while messages arrive, restored into a new data directory; the restored agent's
// next Claude request carries the history from before the backup and nothing is answered twice.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';
import { allowTimeForDuplicates } from '../../helpers/wait.ts';

const MONO = fileURLToPath(new URL('../../../src-main/cli/bin.js', import.meta.url));

interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
}

function mono(args: string[]): Promise<Cli> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MONO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('close', (code) => {
      const events = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, stdout, stderr, events });
    });
  });
}

const result = (cli: Cli) => cli.events.find((e) => e.type === 'result') as Record<string, unknown>;

/** The row progress of a step (`--json` events with rows of total), in order. */
const rowEvents = (cli: Cli, step: string) =>
  cli.events
    .filter((e) => e.step === step && e.status === 'start' && e.detail)
    .map((e) => e.detail as { rows: number; total: number });

/** Every row a backup file holds, from its result's counts. */
const rowsIn = (done: Record<string, unknown>) =>
  Object.values(done.counts as Record<string, number>).reduce((a, b) => a + b, 0);

describe('mono backup and mono restore on this computer', { timeout: 300_000 }, () => {
  // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
  const env = { MONO_ALLOW_TELEGRAM: '*', MONO_OWNER_CHAT: 'telegram:1' };
  const suite = new AgentWithFakes(env);
  const files = tempDataDir('mono-backups-');
  const restored = tempDataDir('mono-restored-');
  const plainFile = join(files.dir, 'agent.monobak');
  const sealedFile = join(files.dir, 'agent-sealed.monobak');
  const passphraseFile = join(files.dir, 'passphrase');
  const during: number[] = [];
  let sealedRun: Cli | undefined;

  before(async () => {
    await suite.start();
    writeFileSync(passphraseFile, 'a long passphrase for the test\n', { mode: 0o600 });
  });
  after(async () => {
    await suite.close();
    files.remove();
    restored.remove();
  });

  test('a backup taken while messages arrive, plain and encrypted, and nothing partial left behind', async () => {
    const { telegram } = suite;
    telegram.sendText({ chatId: 500, userId: 500, text: 'Remember: my dog is called Fox' });
    await telegram.waitForSent(1, { timeoutMs: 20_000 });

    let sending = true;
    const traffic = (async () => {
      for (let chat = 600; sending; chat++) {
        during.push(chat);
        telegram.sendText({ chatId: chat, userId: chat, text: `arriving during the backup ${chat}` });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const [plain, sealed] = await Promise.all([
      mono(['backup', '--data-dir', suite.data.dir, '--out', plainFile, '--json']),
      mono([
        'backup',
        '--data-dir',
        suite.data.dir,
        '--out',
        sealedFile,
        '--passphrase-file',
        passphraseFile,
        '--json',
      ]),
    ]).finally(() => {
      sending = false;
    });
    await traffic;
    assert.equal(plain.code, 0, plain.stderr + plain.stdout);
    assert.equal(sealed.code, 0, sealed.stderr + sealed.stdout);
    assert.ok(during.length >= 2, `${during.length} messages arrived during the backup`);
    const r = result(plain);
    assert.equal(r.ok, true);
    assert.equal(r.live, true, 'read from the running agent through its hub');
    assert.ok(Number((r.counts as Record<string, number>).message) >= 2);
    assert.deepEqual(
      plain.events.filter((e) => e.status === 'ok').map((e) => e.step),
      ['backup', 'verify'],
    );
    // The rows as they are read, for the bar: growing, ending at every row the file holds.
    const read = rowEvents(plain, 'backup');
    assert.ok(read.length >= 1, 'the backup reports the rows it reads');
    assert.deepEqual(
      read,
      [...read].sort((a, b) => a.rows - b.rows),
    );
    assert.deepEqual(read.at(-1), { rows: rowsIn(r), total: rowsIn(r) });
    assert.equal(result(sealed).encrypted, true);
    sealedRun = sealed;
    assert.equal(statSync(plainFile).mode & 0o777, 0o600, 'backups are the owner’s only');
    assert.deepEqual(readdirSync(files.dir).sort(), ['agent-sealed.monobak', 'agent.monobak', 'passphrase']);
    assert.equal(readFileSync(sealedFile).includes('Remember'), false, 'encrypted: no text readable');
    assert.equal(readFileSync(plainFile).subarray(0, 12).toString(), 'MONO-BACKUP\n');

    const deadline = Date.now() + 30_000;
    const answered = () => during.every((id) => suite.telegram.sent.some((m) => m.chat_id === id));
    while (!answered() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    assert.ok(answered(), 'the agent answered everything that arrived during the backup');
  });

  test('restore refuses a wrong passphrase, then restores into a new data directory', async () => {
    const wrong = join(files.dir, 'wrong');
    writeFileSync(wrong, 'not the passphrase at all\n');
    const refused = await mono([
      'restore',
      '--data-dir',
      restored.dir,
      sealedFile,
      '--passphrase-file',
      wrong,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the passphrase is wrong for this backup file/);
    assert.match(refused.stderr, /use the passphrase the backup was made with/);
    assert.equal(existsSync(join(restored.dir, 'db')), false, 'nothing was written');

    const r = await mono([
      'restore',
      '--data-dir',
      restored.dir,
      sealedFile,
      '--passphrase-file',
      passphraseFile,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(
      r.events.filter((e) => e.status === 'ok').map((e) => e.step),
      ['check', 'restore', 'count'],
    );
    const done = result(r);
    assert.ok(Number((done.counts as Record<string, number>).message) >= 2);
    assert.equal(done.replaced, undefined);
    // The rows as they go in, for the bar: growing, ending at every row of the (encrypted) backup.
    const written = rowEvents(r, 'restore');
    assert.ok(written.length >= 1, 'the restore reports the rows it writes');
    assert.deepEqual(
      written,
      [...written].sort((a, b) => a.rows - b.rows),
    );
    assert.deepEqual(written.at(-1), { rows: rowsIn(result(sealedRun!)), total: rowsIn(result(sealedRun!)) });

    const again = await mono(['restore', '--data-dir', restored.dir, plainFile]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds data .* --replace/s);

    // With --replace, on a terminal's plain output: the agent on this computer is left stopped, and it says so.
    const replaced = await mono([
      'restore',
      '--data-dir',
      restored.dir,
      sealedFile,
      '--passphrase-file',
      passphraseFile,
      '--replace',
    ]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /The data it replaced is kept in .*db\.replaced-/);
    assert.match(replaced.stdout, /The agent is stopped: start it again \("mono agent"/);
  });

  test('the restored agent remembers the conversation and answers nothing twice', async () => {
    await suite.agent.stop();
    const telegram = new FakeTelegram();
    const anthropic = new FakeAnthropic();
    await telegram.start();
    await anthropic.start();
    const agent = new AgentProcess(agentEnv(restored.dir, { telegram, anthropic }, env));
    try {
      await agent.start();
      // Nothing from before the backup is sent again, in flight or not.
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(telegram.sent.length, 0);
      // The same bot on a new server: Telegram's message ids in the chat go on from where they were.
      for (let i = 0; i < 10; i++) telegram.nextMessageId(500);
      telegram.sendText({ chatId: 500, userId: 500, text: 'What is my dog called?' });
      await telegram.waitForSent(1, { timeoutMs: 20_000 });
      const request = anthropic.requests.at(-1);
      assert.ok(request);
      const history = JSON.stringify(request.messages);
      assert.match(history, /my dog is called Fox/, 'the history from before the backup reached Claude');
      await allowTimeForDuplicates();
      assert.equal(telegram.sent.length, 1);
      assert.equal(telegram.sent[0]!.chat_id, 500);

      const running = await mono(['restore', '--data-dir', restored.dir, plainFile, '--replace']);
      assert.equal(running.code, 1);
      assert.match(running.stderr, /the agent is running on/);
    } finally {
      await agent.stop();
      await telegram.close();
      await anthropic.close();
    }
  });
});
