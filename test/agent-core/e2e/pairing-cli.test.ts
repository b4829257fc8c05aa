// A stranger pairs: they get a code, the owner approves it with `mono pairing approve`, they are told and answered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tempDataDir } from '../../helpers/agent-process.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';
import { mono } from '../../helpers/mono-cli.ts';

const OWNER = 4242;
const STRANGER = 777;

describe('pairing with the mono CLI', { timeout: 90_000 }, () => {
  const suite = new AgentWithFakes({ MONO_ALLOW_TELEGRAM: String(OWNER) });
  const { telegram, anthropic, data } = suite;
  before(suite.start);
  after(suite.close);

  test('list, approve, and the stranger is told and then answered', async () => {
    telegram.sendText({ chatId: STRANGER, userId: STRANGER, text: 'hi, can we talk?', firstName: 'Grace' });
    const [notice] = await telegram.waitForSent(1, { timeoutMs: 10_000 });
    const code = /pairing code is ([A-Z2-9]{6})/.exec(notice!.text)?.[1];
    assert.ok(code, notice!.text);

    const listed = mono(['pairing', 'list'], data.dir);
    assert.equal(listed.code, 0, listed.out);
    assert.match(listed.out, new RegExp(`${code}\\s+pending\\s+telegram\\s+Grace`));

    const wrong = mono(['pairing', 'approve', 'ZZZZZZ'], data.dir);
    assert.equal(wrong.code, 1);
    assert.match(wrong.out, /No pairing request has the code ZZZZZZ/);

    const approved = mono(['pairing', 'approve', code!.toLowerCase()], data.dir);
    assert.equal(approved.code, 0, approved.out);
    assert.match(approved.out, /Approved Grace/);
    const sent = await telegram.waitForSent(2, { timeoutMs: 10_000 });
    assert.match(sent[1]!.text, /you're approved/);
    assert.equal(anthropic.requests.length, 0, 'the stranger never reached Claude before approval');

    telegram.sendText({ chatId: STRANGER, userId: STRANGER, text: 'now answer me', firstName: 'Grace' });
    const answered = await telegram.waitForSent(3, { timeoutMs: 10_000 });
    assert.match(answered[2]!.text, /now answer me/);
  });

  test('without a running agent the CLI says so', () => {
    const empty = tempDataDir();
    try {
      const result = mono(['pairing', 'list'], empty.dir);
      assert.equal(result.code, 1);
      assert.match(result.out, /Is the agent running/);
    } finally {
      empty.remove();
    }
  });
});
