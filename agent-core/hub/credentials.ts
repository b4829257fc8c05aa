// The db hub's user: MONO_DB_USER/MONO_DB_PASS as the config loader parsed them, or generated on first start into
// <data dir>/hub-credentials.json (mode 0600) and reused; defined in the datastore as an EDITOR of the database
// mono/agent only — it reads and writes MONO's data, never users, access or other databases (the hub refuses
// schema statements on top), while the agent keeps its own root session.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Surreal } from 'surrealdb';
import { redact, Secret } from '../config/secret.ts';
import { hmacSha256Hex } from '../security/hmac.ts';
import { errorMessage } from '../util/error-message.ts';

export const HUB_CREDENTIALS_FILE = 'hub-credentials.json';
/** Tells "the hub user is already defined with this password" without hashing it again: see defineHubUser. */
export const HUB_USER_FINGERPRINT_FILE = 'hub-user.json';
const DEFAULT_USER = 'mono';
/** A SurrealQL identifier without quoting; keeps DEFINE USER free of escaping questions for the name. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface HubCredentials {
  username: string;
  password: Secret;
  /** Where they came from: the configuration (environment), the credentials file, or generated just now (and saved). */
  source: 'env' | 'file' | 'generated';
  /** The credentials file (also when they came from the environment, where it is not used). */
  file: string;
}

/** The hub's credentials are unusable or unreadable; says which variable or file to fix. */
export class HubCredentialsError extends Error {
  override readonly name = 'HubCredentialsError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/**
 * `configured`: MONO_DB_USER/MONO_DB_PASS from the configuration (`AgentConfig.dbCredentials`, which the config
 * loader gives only with both set); they win over the file.
 */
export function loadHubCredentials(
  dataDir: string,
  configured?: { username: string; password: Secret },
): HubCredentials {
  const file = join(dataDir, HUB_CREDENTIALS_FILE);
  if (configured) {
    checkUserName(configured.username, 'MONO_DB_USER');
    return { username: configured.username, password: configured.password, source: 'env', file };
  }
  if (existsSync(file)) return { ...readCredentialsFile(file), source: 'file', file };
  const generated = { username: DEFAULT_USER, password: randomBytes(24).toString('base64url') };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': never overwrite credentials a concurrent first start may have written a moment ago.
    writeFileSync(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return { ...readCredentialsFile(file), source: 'file', file };
    throw new HubCredentialsError(`cannot write ${file}: ${errorMessage(error)}; check MONO_DATA_DIR`, file);
  }
  return {
    username: generated.username,
    password: new Secret(generated.password),
    source: 'generated',
    file,
  };
}

function readCredentialsFile(file: string): { username: string; password: Secret } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new HubCredentialsError(
      `cannot read ${file} (${errorMessage(error)}); delete it to generate new hub credentials`,
      file,
    );
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string' || !password) {
    throw new HubCredentialsError(
      `${file} needs "username" and "password"; delete it to generate new ones`,
      file,
    );
  }
  checkUserName(username, file);
  // Someone may have copied it around with a looser mode: the file is a root password.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { username, password: new Secret(password) };
}

function checkUserName(name: string, where: string): void {
  if (!USER_NAME.test(name)) {
    throw new HubCredentialsError(
      `${where}: the hub user name must be letters, digits and _ (at most 64), got "${name}"`,
    );
  }
}

/** A SurrealQL single-quoted string literal: DEFINE USER … PASSWORD takes a literal, not a $param. */
export function surqlStringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Marks the users the hub defined, so a user left from earlier credentials can be told from the owner's own. */
const HUB_USER_COMMENT = 'MONO db hub';
/** How the hub user is defined; part of the fingerprint, so a change here redefines it at the next start. */
const DEFINITION = 'ON DATABASE ROLES EDITOR DURATION FOR TOKEN 1h, FOR SESSION NONE';

/**
 * Define (or redefine, so a changed password takes effect) the hub's user as an EDITOR of this connection's
 * database (mono/agent), and remove hub users left from earlier credentials or versions (a root owner, or a
 * changed MONO_DB_USER): an old password must not keep working.
 *
 * Hashing the password (argon2) costs a noticeable slice of every start on a small VPS, so it is skipped when
 * `fingerprintFile` (0600, beside the credentials) says the user is defined with this very password. The
 * fingerprint lives in that file, not in the datastore, where the hub user could read it (INFO FOR DB).
 */
export async function defineHubUser(
  db: Surreal,
  credentials: { username: string; password: Secret },
  fingerprintFile?: string,
): Promise<void> {
  checkUserName(credentials.username, 'hub user');
  const [root, database] = await db
    .query('INFO FOR ROOT; INFO FOR DB')
    .collect<[{ users?: Record<string, string> }, { users?: Record<string, string> }]>();
  const users = database.users ?? {};
  const current = users[credentials.username];
  // The fingerprint covers the stored hash too: a user changed in the datastore since is defined again.
  const unchanged =
    current !== undefined &&
    fingerprintFile !== undefined &&
    readFingerprint(fingerprintFile, credentials, current);
  if (!unchanged) {
    const sql =
      `DEFINE USER OVERWRITE ${credentials.username} ON DATABASE PASSWORD ${surqlStringLiteral(credentials.password.reveal())} ` +
      `ROLES EDITOR DURATION FOR TOKEN 1h, FOR SESSION NONE COMMENT '${HUB_USER_COMMENT}'`;
    try {
      await db.query(sql).collect();
    } catch (error) {
      // The engine's message could quote the statement: never let the password travel with it.
      throw new HubCredentialsError(
        `could not define the hub user ${credentials.username}: ${redactedReason(error, credentials.password)}`,
      );
    }
    if (fingerprintFile) {
      const [defined] = await db.query('INFO FOR DB').collect<[{ users?: Record<string, string> }]>();
      writeFingerprint(fingerprintFile, credentials, defined.users?.[credentials.username] ?? '');
    }
  }
  for (const [name, definition] of Object.entries(users)) {
    if (name === credentials.username || !USER_NAME.test(name)) continue;
    if (definition.includes(`COMMENT '${HUB_USER_COMMENT}`))
      await db.query(`REMOVE USER ${name} ON DATABASE`).collect();
  }
  // Earlier versions defined the hub user as a root OWNER.
  for (const [name, definition] of Object.entries(root.users ?? {})) {
    if (USER_NAME.test(name) && definition.includes(`COMMENT '${HUB_USER_COMMENT}`))
      await db.query(`REMOVE USER ${name} ON ROOT`).collect();
  }
}

type Credentials = { username: string; password: Secret };

/**
 * HMAC under a random salt of how the user is defined (what the hub asks for and what the datastore holds) and
 * of its password: tells "defined with this password" without keeping anything that signs in.
 */
function fingerprint(credentials: Credentials, definition: string, salt: string): string {
  return hmacSha256Hex(
    `${DEFINITION}\0${definition}\0${credentials.username}\0${credentials.password.reveal()}`,
    salt,
  );
}

function readFingerprint(file: string, credentials: Credentials, definition: string): boolean {
  try {
    const { salt, fingerprint: recorded } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return typeof salt === 'string' && recorded === fingerprint(credentials, definition, salt);
  } catch {
    return false;
  }
}

/** Best effort: the user is defined whether or not this is written (out of disk or descriptors, say). */
function writeFingerprint(file: string, credentials: Credentials, definition: string): void {
  const salt = randomBytes(16).toString('hex');
  const text = `${JSON.stringify({ salt, fingerprint: fingerprint(credentials, definition, salt) })}\n`;
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // The next start hashes the password again and tries once more.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written there.
    }
  }
}

function redactedReason(error: unknown, password: Secret): string {
  const quoted = surqlStringLiteral(password.reveal());
  return redact(errorMessage(error), [password, quoted, quoted.slice(1, -1)]);
}
