// IPC registration and validation: every contract method is registered, untrusted senders are refused, inputs
// are validated before a handler runs, and errors come back as readable values without internals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IpcMainInvokeEvent } from 'electron';
import { type IpcMainLike, registerIpc } from '../../src-main/electron/ipc-register.ts';
import { METHOD_NAMES, methods } from '../../src-main/ipc/contract.ts';
import { dispatch, type Handlers, UserError } from '../../src-main/ipc/dispatch.ts';

type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipc: IpcMainLike = {
    handle: (method, listener) => {
      assert.ok(!handlers.has(method), `${method} registered twice`);
      handlers.set(method, listener);
    },
    removeHandler: (method) => handlers.delete(method),
  };
  return { ipc, handlers };
}

function handlersWith(overrides: Partial<Handlers>): { handlers: Handlers; calls: string[] } {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        calls.push(name);
        return overrides[name]
          ? (overrides[name] as (i: unknown) => Promise<unknown>)(input)
          : { echoed: input };
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

const trusted = { sender: 'main-window' } as unknown as IpcMainInvokeEvent;
const stranger = { sender: 'other' } as unknown as IpcMainInvokeEvent;
const isTrusted = (event: IpcMainInvokeEvent) =>
  (event as unknown as { sender: string }).sender === 'main-window';

test('every contract method is registered once and removed again', () => {
  const { ipc, handlers } = fakeIpcMain();
  const off = registerIpc(ipc, handlersWith({}).handlers, isTrusted);
  assert.deepEqual([...handlers.keys()].sort(), Object.keys(methods).sort());
  for (const name of handlers.keys()) assert.match(name, /^[a-z]+\.[a-zA-Z]+$/, 'domain.verb');
  off();
  assert.equal(handlers.size, 0);
});

test('a sender that is not the app window is refused before anything runs', async () => {
  const { ipc, handlers } = fakeIpcMain();
  const { handlers: h, calls } = handlersWith({});
  registerIpc(ipc, h, isTrusted);
  const result = await handlers.get('pairing.decide')?.(stranger, { id: 'pairing:x', decision: 'approved' });
  assert.deepEqual(result, {
    ok: false,
    error: { name: 'Forbidden', message: 'This window may not talk to MONO.' },
  });
  assert.deepEqual(calls, []);
});

test('invalid input is rejected with the schema message and the handler never runs', async () => {
  const { ipc, handlers } = fakeIpcMain();
  const { handlers: h, calls } = handlersWith({});
  registerIpc(ipc, h, isTrusted);
  const bad = await handlers.get('wizard.checkTelegram')?.(trusted, { token: 'not a token' });
  assert.equal((bad as { ok: boolean }).ok, false);
  assert.match((bad as { error: { message: string } }).error.message, /BotFather/);
  const wrongTable = await handlers.get('pairing.decide')?.(trusted, {
    id: 'message:1',
    decision: 'approved',
  });
  assert.match((wrongTable as { error: { message: string } }).error.message, /pairing record id/);
  const extra = await handlers.get('pairing.decide')?.(trusted, { id: 'pairing:1', decision: 'maybe' });
  assert.equal((extra as { error: { name: string } }).error.name, 'ValidationError');
  assert.deepEqual(calls, []);
  const good = await handlers.get('pairing.decide')?.(trusted, {
    id: "pairing:['telegram', '42']",
    decision: 'approved',
  });
  assert.equal((good as { ok: boolean }).ok, true);
  assert.deepEqual(calls, ['pairing.decide']);
});

test('a UserError reaches the renderer as is; anything else becomes a generic message', async () => {
  const { ipc, handlers } = fakeIpcMain();
  const seen: unknown[] = [];
  const { handlers: h } = handlersWith({
    'setting.list': async () => {
      throw new UserError('MONO cannot reach your agent right now.', 'Offline');
    },
    'job.list': async () => {
      throw new Error('ECONNRESET at secret-internal-path sk-ant-123456');
    },
  });
  registerIpc(ipc, h, isTrusted, (method, error) => seen.push([method, (error as Error).message]));
  assert.deepEqual(await handlers.get('setting.list')?.(trusted, undefined), {
    ok: false,
    error: { name: 'Offline', message: 'MONO cannot reach your agent right now.' },
  });
  const hidden = (await handlers.get('job.list')?.(trusted, undefined)) as { error: { message: string } };
  assert.doesNotMatch(hidden.error.message, /sk-ant|ECONNRESET/);
  assert.equal(seen.length, 1);
});

test('job.create accepts a schedule or a time, not both and not neither', () => {
  const base = { name: 'Brief', prompt: 'Summarise', timezone: 'UTC', conversation: 'conversation:1' };
  const schema = methods['job.create'].input;
  assert.equal(schema.safeParse({ ...base, cron: '0 8 * * *' }).success, true);
  assert.equal(schema.safeParse({ ...base, runAt: '2030-01-01T08:00:00.000Z' }).success, true);
  assert.equal(schema.safeParse(base).success, false);
  assert.equal(schema.safeParse({ ...base, cron: '0 8 * *' }).success, false);
  assert.equal(
    schema.safeParse({ ...base, cron: '0 8 * * *', runAt: '2030-01-01T08:00:00.000Z' }).success,
    false,
  );
});

test('validation errors read as sentences for people: no internal field names, a label for generic ones', async () => {
  const handlers = {} as Handlers;
  const token = await dispatch(handlers, 'wizard.checkTelegram', { token: 'hello' });
  assert.deepEqual(token, {
    ok: false,
    error: {
      name: 'ValidationError',
      message: 'A bot token looks like 123456789:AA… — copy it from @BotFather.',
    },
  });
  const cloud = await dispatch(handlers, 'wizard.saveWhatsApp', {
    mode: 'cloud',
    phoneNumberId: 'abc',
    accessToken: 'x'.repeat(30),
    appSecret: 'y'.repeat(10),
    verifyToken: 'a-phrase-for-meta',
  });
  assert.equal(cloud.ok ? '' : cloud.error.message, 'The phone number ID is a long number from Meta.');
  const cron = await dispatch(handlers, 'job.create', {
    name: 'x',
    prompt: 'y',
    cron: 'every day',
    timezone: 'UTC',
    conversation: 'conversation:⟨telegram:1⟩',
  });
  assert.equal(
    cron.ok ? '' : cron.error.message,
    'A schedule has five fields, e.g. "0 8 * * *" for 8:00 every day.',
  );
  const generic = await dispatch(handlers, 'usage.list', { days: 'seven' });
  assert.equal(generic.ok ? '' : generic.error.message, 'Check “Days”: it is missing or not valid.');
  for (const result of [token, cloud, cron, generic]) {
    assert.ok(!result.ok && !/\((token|phoneNumberId|cron|days)\)/.test(result.error.message));
  }
});

test('a secret or passphrase with a line break or another control character is refused before any handler', () => {
  const refuse = (method: keyof typeof methods, input: unknown) => {
    const result = methods[method].input.safeParse(input);
    assert.equal(result.success, false, `${method} accepted ${JSON.stringify(input)}`);
    assert.match(result.error?.issues[0]?.message ?? '', /line break or another invisible control character/);
  };
  refuse('secret.set', { name: 'anthropic_api_key', value: 'sk-ant-abc\nMONO_DB_PASS=owned' });
  refuse('secret.set', { name: 'webhook_secret', value: 'abc\u0000def' });
  refuse('wizard.checkClaude', { apiKey: 'sk-ant-abc\rdef' });
  refuse('wizard.saveWhatsApp', {
    mode: 'cloud',
    phoneNumberId: '1234567890',
    accessToken: 'EAAB-token-token-token\u001b[31m',
    appSecret: 'app-secret-1',
    verifyToken: 'a-phrase-for-meta',
  });
  refuse('vault.create', { passphrase: 'a long passphrase\u0007' });
  // A value pasted with a trailing newline is trimmed, not refused; one inside is what would break the env file.
  assert.equal(
    methods['secret.set'].input.safeParse({ name: 'anthropic_api_key', value: 'sk-ant-abc\n' }).success,
    true,
  );
});

test('the WhatsApp verify token the owner types into Meta: 8 to 200 characters, none of them a control character', () => {
  const cloud = (verifyToken: unknown) =>
    methods['wizard.saveWhatsApp'].input.safeParse({
      mode: 'cloud',
      phoneNumberId: '106540352242922',
      accessToken: 'EAAB-token-token-token-token',
      appSecret: 'app-secret-1',
      ...(verifyToken !== undefined && { verifyToken }),
    });
  const message = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
    result.success ? 'accepted' : (result.error?.issues.map((issue) => issue.message).join(' | ') ?? '');
  const controlChars =
    'This has a line break or another invisible control character: paste the value again, alone.';
  const length = 'Use 8 to 200 characters, e.g. the suggested one.';

  const ok = cloud('  Xk3_9-aZq0wE7rT5yU1iO2pL  ');
  assert.equal(ok.success && ok.data.mode === 'cloud' ? ok.data.verifyToken : '', 'Xk3_9-aZq0wE7rT5yU1iO2pL');
  assert.equal(message(cloud('my phrase for Meta')), 'accepted', 'spaces inside are printable');
  assert.equal(message(cloud('x'.repeat(200))), 'accepted');
  for (const bad of [
    'abc\ndefghij',
    'abc\u0000defghij',
    'abc\tdefghij',
    'abc\u007fdefghij',
    'abc\u001b[31mdefg',
  ]) {
    assert.equal(message(cloud(bad)), controlChars, JSON.stringify(bad));
  }
  assert.equal(message(cloud('short12')), length);
  assert.equal(message(cloud('x'.repeat(201))), length);
  assert.equal(message(cloud('        ')), length, 'only spaces is empty once trimmed');
  assert.equal(cloud(undefined).success, false, 'the Cloud API cannot be set up without one');

  // Set again from Integrations: the same rules through secret.set.
  const set = (value: string) =>
    message(methods['secret.set'].input.safeParse({ name: 'whatsapp_verify_token', value }));
  assert.equal(set('a new phrase'), 'accepted');
  assert.match(set('a new\nphrase'), /^This has a line break/);
  assert.equal(set('short'), length);
  assert.equal(set('y'.repeat(201)), length);
});

test('the VPS form is held to the CLI’s host and user rules, field by field', () => {
  const parse = (target: Record<string, unknown>) =>
    methods['ssh.test'].input.safeParse({
      port: 22,
      keyPath: '/k',
      user: 'root',
      host: '203.0.113.7',
      ...target,
    });
  assert.equal(parse({}).success, true);
  assert.equal(parse({ host: 'vps.example.com', user: 'deploy' }).success, true);
  assert.equal(parse({ host: '2001:db8::7' }).success, true);
  for (const host of [
    'root@203.0.113.7',
    'vps example.com',
    'vps.example.com;rm -rf /',
    '-oProxyCommand=x',
  ]) {
    const result = parse({ host });
    assert.equal(result.success, false, host);
    assert.deepEqual(result.error?.issues[0]?.path, ['host'], host);
  }
  for (const user of ['-oProxyCommand=x', 'ro ot', 'root;id', '1root']) {
    const result = parse({ user });
    assert.equal(result.success, false, user);
    assert.deepEqual(result.error?.issues[0]?.path, ['user'], user);
  }
});
