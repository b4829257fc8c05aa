// Hub credentials: MONO_DB_USER/MONO_DB_PASS as the config loader parsed them, or generated once into the data dir
// (0600) and reused.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { loadConfig } from '../../../agent-core/config/config.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import {
  defineHubUser,
  HUB_CREDENTIALS_FILE,
  HUB_USER_FINGERPRINT_FILE,
  HubCredentialsError,
  loadHubCredentials,
  surqlStringLiteral,
} from '../../../agent-core/hub/credentials.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'mono-cred-'));
  try {
    run(join(dir, 'data'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('first start generates credentials into a 0600 file; later starts reuse them', () => {
  withDir((dataDir) => {
    const first = loadHubCredentials(dataDir);
    assert.equal(first.source, 'generated');
    assert.equal(first.username, 'mono');
    assert.ok(first.password.reveal().length >= 24);
    const file = join(dataDir, HUB_CREDENTIALS_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).password, first.password.reveal());
    const again = loadHubCredentials(dataDir);
    assert.equal(again.source, 'file');
    assert.equal(again.password.reveal(), first.password.reveal());
    assert.ok(!inspect(again).includes(first.password.reveal()), 'the password never prints');
    assert.ok(!JSON.stringify(again).includes(first.password.reveal()));
  });
});

/** MONO_DB_USER/MONO_DB_PASS the way the agent gets them: parsed once, by the config loader. */
function configured(env: Record<string, string>) {
  return loadConfig({ MONO_DATA_DIR: '/nonexistent', ...env }).dbCredentials;
}

test('MONO_DB_USER and MONO_DB_PASS win over the file, and must come together', () => {
  withDir((dataDir) => {
    loadHubCredentials(dataDir);
    const fromEnv = loadHubCredentials(
      dataDir,
      configured({ MONO_DB_USER: 'owner', MONO_DB_PASS: 'from-env' }),
    );
    assert.equal(fromEnv.source, 'env');
    assert.equal(fromEnv.username, 'owner');
    assert.equal(fromEnv.password.reveal(), 'from-env');
    assert.throws(() => configured({ MONO_DB_USER: 'owner' }), /MONO_DB_USER and MONO_DB_PASS, or neither/);
    assert.throws(
      () => configured({ MONO_DB_PASS: 'x' }),
      /MONO_DB_USER and MONO_DB_PASS.*hub generates its own/,
    );
    assert.throws(
      () => loadHubCredentials(dataDir, configured({ MONO_DB_USER: 'bad name;', MONO_DB_PASS: 'x' })),
      (error: unknown) =>
        error instanceof HubCredentialsError && /MONO_DB_USER: .*letters, digits/.test(error.message),
    );
  });
});

test('a loosened credentials file is tightened back to 0600; a broken one says to delete it', () => {
  withDir((dataDir) => {
    loadHubCredentials(dataDir);
    const file = join(dataDir, HUB_CREDENTIALS_FILE);
    chmodSync(file, 0o644);
    loadHubCredentials(dataDir);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    writeFileSync(file, '{not json');
    assert.throws(() => loadHubCredentials(dataDir), /delete it/);
  });
});

test('password literals escape quotes and backslashes', () => {
  assert.equal(surqlStringLiteral(`a'b\\c"d`), `'a\\'b\\\\c"d'`);
});

type Users = { users: Record<string, string> };

test('the hub user is an EDITOR of mono/agent, not a root user; hub users from earlier credentials or versions go, others stay', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    await ds.db.query("DEFINE USER owner_own ON ROOT PASSWORD 'kept' ROLES OWNER").collect();
    // What an earlier version left: the hub user as a root OWNER.
    await ds.db
      .query("DEFINE USER mono_desktop ON ROOT PASSWORD 'old' ROLES OWNER COMMENT 'MONO db hub fp=00:00'")
      .collect();
    await defineHubUser(ds.db, { username: 'mono', password: new Secret('first') });
    await defineHubUser(ds.db, { username: 'mono_desktop', password: new Secret(`it's\\new`) });
    const [root, db] = await ds.db.query('INFO FOR ROOT; INFO FOR DB').collect<[Users, Users]>();
    assert.deepEqual(Object.keys(root.users), ['owner_own'], 'the old root hub user is gone');
    assert.deepEqual(Object.keys(db.users), ['mono_desktop'], 'the earlier hub user is gone');
    assert.match(db.users.mono_desktop ?? '', /ON DATABASE .*ROLES EDITOR/);
    const [ok] = await ds.db
      .query('RETURN crypto::argon2::compare($hash, $pass)', {
        hash: /PASSHASH '([^']+)'/.exec(db.users.mono_desktop ?? '')?.[1],
        pass: `it's\\new`,
      })
      .collect<[boolean]>();
    assert.equal(ok, true, 'the literal kept the password exactly');
  } finally {
    await ds.close();
  }
});

test('an unchanged hub user is not hashed again at start; a changed password or a changed user is', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const dir = mkdtempSync(join(tmpdir(), 'mono-cred-'));
  const file = join(dir, HUB_USER_FINGERPRINT_FILE);
  const hashOf = async () => {
    const [db] = await ds.db.query('INFO FOR DB').collect<[Users]>();
    return /PASSHASH '([^']+)'/.exec(db.users.mono ?? '')?.[1];
  };
  const matches = async (pass: string) => {
    const [ok] = await ds.db
      .query('RETURN crypto::argon2::compare($hash, $pass)', { hash: await hashOf(), pass })
      .collect<[boolean]>();
    return ok;
  };
  try {
    await defineHubUser(ds.db, { username: 'mono', password: new Secret('first') }, file);
    const first = await hashOf();
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the fingerprint file is the agent’s alone');
    assert.doesNotMatch(readFileSync(file, 'utf8'), /first/);
    await defineHubUser(ds.db, { username: 'mono', password: new Secret('first') }, file);
    assert.equal(await hashOf(), first, 'same password: the stored hash is left alone');
    await defineHubUser(ds.db, { username: 'mono', password: new Secret('second') }, file);
    assert.notEqual(await hashOf(), first);
    assert.equal(await matches('second'), true);
    assert.equal(await matches('first'), false);
    // Someone changed the user in the datastore: the fingerprint no longer matches what is stored.
    await ds.db.query("DEFINE USER OVERWRITE mono ON DATABASE PASSWORD 'tampered' ROLES EDITOR").collect();
    await defineHubUser(ds.db, { username: 'mono', password: new Secret('second') }, file);
    assert.equal(await matches('second'), true);
    const [db] = await ds.db.query('INFO FOR DB').collect<[Users]>();
    assert.doesNotMatch(db.users.mono ?? '', /fp=|second|first/, 'the datastore holds no fingerprint');
  } finally {
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fingerprint that cannot be written (disk full, no descriptors) leaves the hub user defined', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const dir = mkdtempSync(join(tmpdir(), 'mono-cred-'));
  const blocker = join(dir, 'not-a-directory');
  writeFileSync(blocker, '');
  try {
    await defineHubUser(
      ds.db,
      { username: 'mono', password: new Secret('pw') },
      join(blocker, HUB_USER_FINGERPRINT_FILE),
    );
    const [db] = await ds.db.query('INFO FOR DB').collect<[Users]>();
    assert.match(db.users.mono ?? '', /ROLES EDITOR/);
  } finally {
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
