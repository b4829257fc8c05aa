// The db hub's root user: from MONO_DB_USER/MONO_DB_PASS, or generated on first start into
// <data dir>/hub-credentials.json (mode 0600) and reused; defined in the datastore as an OWNER on ROOT.
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Surreal } from 'surrealdb';
import { redact, Secret } from '../config/secret.ts';

export const HUB_CREDENTIALS_FILE = 'hub-credentials.json';
const DEFAULT_USER = 'mono';
/** A SurrealQL identifier without quoting; keeps DEFINE USER free of escaping questions for the name. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface HubCredentials {
  username: string;
  password: Secret;
  /** Where they came from: the environment, the credentials file, or generated just now (and saved). */
  source: 'env' | 'file' | 'generated';
  /** The credentials file (also when they came from the environment, where it is not used). */
  file: string;
}

/** The hub's credentials are missing, half-set, or unreadable; says which variable or file to fix. */
export class HubCredentialsError extends Error {
  override readonly name = 'HubCredentialsError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

export function loadHubCredentials(dataDir: string, env: NodeJS.ProcessEnv = process.env): HubCredentials {
  const file = join(dataDir, HUB_CREDENTIALS_FILE);
  const user = env.MONO_DB_USER?.trim();
  const pass = env.MONO_DB_PASS;
  if (user || pass) {
    if (!user || !pass) {
      throw new HubCredentialsError(
        'set both MONO_DB_USER and MONO_DB_PASS, or neither (then the hub generates its own)',
      );
    }
    checkUserName(user, 'MONO_DB_USER');
    return { username: user, password: new Secret(pass), source: 'env', file };
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
    throw new HubCredentialsError(
      `cannot write ${file}: ${(error as Error).message}; check MONO_DATA_DIR`,
      file,
    );
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
      `cannot read ${file} (${(error as Error).message}); delete it to generate new hub credentials`,
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

/**
 * Define (or redefine, so a changed password takes effect) the hub's user as a root OWNER, and remove hub users
 * left from earlier credentials (say MONO_DB_USER changed): an old password must not keep working.
 */
export async function defineHubUser(
  db: Surreal,
  credentials: { username: string; password: Secret },
): Promise<void> {
  checkUserName(credentials.username, 'hub user');
  const [root] = await db.query('INFO FOR ROOT').collect<[{ users?: Record<string, string> }]>();
  const users = root.users ?? {};
  // Hashing the password (argon2) costs a noticeable slice of every start on a small VPS: skip it when the
  // user is already defined with this password, which its comment records as a salted fingerprint.
  const existing = users[credentials.username];
  const recorded = existing ? /fp=([0-9a-f]+):([0-9a-f]+)/.exec(existing) : null;
  if (!recorded || fingerprint(credentials, recorded[1]!) !== recorded[2]) {
    const salt = randomBytes(8).toString('hex');
    const sql =
      `DEFINE USER OVERWRITE ${credentials.username} ON ROOT PASSWORD ${surqlStringLiteral(credentials.password.reveal())} ` +
      `ROLES OWNER DURATION FOR TOKEN 1h, FOR SESSION NONE ` +
      `COMMENT '${HUB_USER_COMMENT} fp=${salt}:${fingerprint(credentials, salt)}'`;
    try {
      await db.query(sql).collect();
    } catch (error) {
      // The engine's message could quote the statement: never let the password travel with it.
      throw new HubCredentialsError(
        `could not define the hub user ${credentials.username}: ${redactedReason(error, credentials.password)}`,
      );
    }
  }
  for (const [name, definition] of Object.entries(users)) {
    if (name === credentials.username || !USER_NAME.test(name)) continue;
    if (definition.includes(`COMMENT '${HUB_USER_COMMENT}`))
      await db.query(`REMOVE USER ${name} ON ROOT`).collect();
  }
}

/** HMAC of the credentials under a random salt: tells "same password" without storing anything reusable. */
function fingerprint(credentials: { username: string; password: Secret }, salt: string): string {
  return createHmac('sha256', salt)
    .update(`${credentials.username}\0${credentials.password.reveal()}`)
    .digest('hex')
    .slice(0, 32);
}

function redactedReason(error: unknown, password: Secret): string {
  const quoted = surqlStringLiteral(password.reveal());
  return redact(String((error as Error)?.message ?? error), [password, quoted, quoted.slice(1, -1)]);
}
