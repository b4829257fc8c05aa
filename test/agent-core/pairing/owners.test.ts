// Claiming ownership with a one-time code, from the attacker's side: the datastore never holds the code, a code
// works once (two people racing: exactly one wins), an expired or unknown code does nothing, and handing over
// leaves one owner row. The owner directory follows the desktop's writes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Owner } from '../../../agent-core/agent/owner.ts';
import { Settings } from '../../../agent-core/agent/settings.ts';
import { claimCodeIn, createOwnerClaim, telegramStartLink } from '../../../agent-core/contract/owners.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { OwnerAccounts, storeOwnerClaim } from '../../../agent-core/store/owners.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const store = datastoreWithSchema();
const person = (id: string, name = `Person ${id}`) => ({
  channel: 'telegram' as const,
  external_id: id,
  chat_id: id,
  name,
});

test('a claim code: shown once, stored as a salted hash with an expiry, read back in any common form', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const { code, row } = createOwnerClaim({ now });
  assert.match(code, /^MONO-[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  assert.equal(row.expires_at.getTime(), now.getTime() + 30 * 60_000);
  assert.equal(row.mode, 'add');
  assert.ok(!JSON.stringify(row).includes(code.slice(5, 10)), 'no part of the code is stored');
  const compact = code.replaceAll('-', '');
  assert.notEqual(row.code_hash, createHash('sha256').update(compact).digest('hex'), 'not a bare SHA-256');
  for (const text of [
    code,
    code.toLowerCase(),
    ` ${compact} `,
    `/start ${code}`,
    `/start@mono_bot ${compact}`,
  ])
    assert.equal(claimCodeIn(text), compact, text);
  for (const text of ['hello', 'MONO-ABCDE', `${code}X`, `please ${code}`, 'MONO-IIIII-OOOOO', '/start'])
    assert.equal(claimCodeIn(text), undefined, text);
  assert.notEqual(createOwnerClaim().code, code);
  assert.equal(
    telegramStartLink('@mono_bot', code),
    `https://t.me/mono_bot?start=${encodeURIComponent(code)}`,
  );
});

test('two people send the same code at once: exactly one becomes the owner', async () => {
  const { db } = store;
  let changes = 0;
  const accounts = new OwnerAccounts(db, silentLogger);
  accounts.onChange(() => {
    changes += 1;
  });
  await accounts.load();
  const { code } = await storeOwnerClaim(db);
  const compact = claimCodeIn(code)!;
  const outcomes = await Promise.all(
    ['101', '102', '103', '104'].map((id) => accounts.claim(compact, person(id))),
  );
  assert.deepEqual(outcomes.filter((o) => o === 'claimed').length, 1, `one winner: ${outcomes.join(', ')}`);
  assert.deepEqual(
    outcomes.filter((o) => o !== 'claimed'),
    ['used', 'used', 'used'],
  );
  const winner = ['101', '102', '103', '104'][outcomes.indexOf('claimed')]!;
  assert.equal(accounts.has('telegram', winner), true, 'the winner is an owner at once');
  assert.equal(accounts.list().length, 1);
  assert.ok(changes >= 1);
  const [claims] = await db
    .query<[{ used_at?: Date; used_by?: unknown }[]]>('SELECT used_at, used_by FROM owner_claim')
    .collect();
  assert.equal(claims.length, 1);
  assert.ok(claims[0]!.used_at);
  assert.equal(String(claims[0]!.used_by), `owner:⟨telegram:${winner}⟩`);
  await accounts.close();
});

test('an expired, unknown or used code makes nobody an owner; replace hands ownership over', async () => {
  const { db } = store;
  const accounts = new OwnerAccounts(db, silentLogger);
  await accounts.load();
  const before = accounts.list().length;
  const expired = createOwnerClaim({ ttlMs: -1000 });
  await db.query('CREATE owner_claim CONTENT $row', { row: expired.row }).collect();
  assert.equal(await accounts.claim(claimCodeIn(expired.code)!, person('201')), 'expired');
  assert.equal(await accounts.claim(claimCodeIn(createOwnerClaim().code)!, person('202')), 'unknown');
  assert.equal(accounts.list().length, before);

  // "Add another of my own accounts", then hand over to someone else.
  const add = await storeOwnerClaim(db);
  assert.equal(await accounts.claim(claimCodeIn(add.code)!, person('301')), 'claimed');
  assert.ok(accounts.list().length >= 2);
  const handOver = await storeOwnerClaim(db, { mode: 'replace' });
  assert.equal(await accounts.claim(claimCodeIn(handOver.code)!, person('401', 'Grace')), 'claimed');
  assert.deepEqual(
    accounts.list().map((a) => `${a.external_id} ${a.name}`),
    ['401 Grace'],
  );
  await accounts.close();
});

test('the owner follows the datastore: a row the desktop writes or deletes applies at once', async () => {
  const { db } = store;
  const accounts = new OwnerAccounts(db, silentLogger);
  await accounts.load();
  const settings = new Settings(db, silentLogger);
  const owner = new Owner(new Map([['telegram', { everyone: true }]]), settings, { accounts });
  await db.query('DELETE owner').collect();
  await accounts.refresh();
  assert.equal(owner.exists(), false, '`*` alone names no owner');
  assert.equal(owner.target(), undefined);
  await db
    .query(
      `CREATE owner:⟨telegram:555⟩ CONTENT { channel: 'telegram', external_id: '555', chat_id: '555', name: 'Ada',
         added_by: 'desktop' }`,
    )
    .collect();
  for (let i = 0; i < 100 && !owner.isOwner('telegram', '555'); i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(owner.isOwner('telegram', '555'), true, 'seen through the live query');
  assert.equal(owner.exists(), true);
  assert.deepEqual(owner.target(), { channel: 'telegram', chatId: '555' });
  await db.query('DELETE owner:⟨telegram:555⟩').collect();
  for (let i = 0; i < 100 && owner.isOwner('telegram', '555'); i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(owner.isOwner('telegram', '555'), false);
  await accounts.close();

  const fromEnv = new Owner(new Map([['telegram', { everyone: true }]]), settings, {
    ownerChat: 'telegram:42',
  });
  assert.equal(fromEnv.isOwner('telegram', '42'), true, 'MONO_OWNER_CHAT names the owner of a `*` bot');
  assert.equal(fromEnv.exists(), true);
});
