// The db hub's rules as data: which SurrealDB RPC method a session may run before and after it signs in, what
// the hub answers, holds or does itself, what it checks, and what it records so that each connection owns its
// sessions, transactions and live queries. Pure (no socket, no engine): connection.ts carries out what `decide`
// returns, and a rule changes here, in one table, with its unit test beside it.
import { DATABASE, NAMESPACE } from '../contract/tables.ts';
import type { RpcErrorObject } from '../db/shared-engine.ts';
import { type KillTarget, scanQuery } from './query-guard.ts';

/** Bounds on what one client may make the agent hold; a client past them is refused or closed. */
export const HUB_LIMITS = {
  /** Largest frame before the connection has signed in: sign-in and session set-up are a few hundred bytes. */
  frameBeforeSignin: 64 * 1024,
  /** Bytes a connection may send in all before it has signed in. */
  bytesBeforeSignin: 256 * 1024,
  /** Requests a connection may send before it has signed in (the SDK sends about five). */
  requestsBeforeSignin: 32,
  /** Failed sign-ins after which the connection is closed. */
  failedSignins: 3,
  /**
   * Sign-ins checked at once, across all connections: each password check is an argon2 hash of ~19 MiB and tens
   * of milliseconds, so a crowd of clients guessing must queue, not multiply that by their number.
   */
  signinsAtOnce: 2,
  /** Largest frame once signed in. */
  frameAfterSignin: 16 * 1024 * 1024,
  /**
   * Requests of one connection being handled at once; past it the hub stops reading the connection until one is
   * answered, so a client pipelining large frames waits in its own socket instead of in the agent's memory.
   */
  requestsInFlight: 32,
  /** `use`/`let`/`unset` requests held per session until it signs in. */
  heldPerSession: 8,
  /** Engine sessions per connection, its default session included. */
  sessionsPerConnection: 16,
  /** Open connections. */
  connections: 64,
  /** Bytes waiting to be sent to one client before the hub drops it (it re-selects when it reconnects). */
  bufferedBytes: 16 * 1024 * 1024,
  /** Heartbeats in a row a client may leave unanswered before it is dropped (see HubOptions.heartbeatMs). */
  silentHeartbeats: 2,
} as const;

/**
 * What happens to a request: `answer` (the hub answers a fixed value), `hold` (answered now, run once the session
 * has signed in), `forward` (run by the engine in the client's own engine session), `local` (the hub does it with
 * its own bookkeeping: session management), `refuse`.
 */
export type Step = 'answer' | 'hold' | 'forward' | 'local' | 'refuse';

/** What the hub records once the engine accepted a forwarded request. */
export type Recorded =
  | 'signed-in'
  | 'signed-out'
  | 'transaction'
  | 'transaction-end'
  | 'live'
  | 'live-end'
  | 'query';

export interface MethodRule {
  /** In a session that has not signed in (for `attach`: a connection none of whose sessions has). */
  anonymous: Step;
  /** In a signed-in session. */
  signedIn: Step;
  /** Checked before it runs: the served namespace, the sign-in's shape, ids that must be this connection's. */
  check?: 'namespace' | 'signin' | 'transaction-param' | 'live-param' | 'query';
  records?: Recorded;
}

const DATA: MethodRule = { anonymous: 'refuse', signedIn: 'forward' };
const HELD: MethodRule = { anonymous: 'hold', signedIn: 'forward' };

/** Every method the hub serves. Anything else (signup, graphql, …) is refused in every state. */
export const METHOD_RULES: Readonly<{ [method: string]: MethodRule }> = Object.freeze({
  ping: { anonymous: 'answer', signedIn: 'answer' },
  health: { anonymous: 'answer', signedIn: 'answer' },
  version: { anonymous: 'forward', signedIn: 'forward' },
  signin: { anonymous: 'forward', signedIn: 'forward', check: 'signin', records: 'signed-in' },
  // Token renewal and re-authentication only within a session that signed in with a password first.
  authenticate: { anonymous: 'refuse', signedIn: 'forward', records: 'signed-in' },
  refresh: { anonymous: 'refuse', signedIn: 'forward', records: 'signed-in' },
  invalidate: { anonymous: 'refuse', signedIn: 'forward', records: 'signed-out' },
  // Not `reset`: the engine deletes an attached session on it, leaving the hub's bookkeeping pointing nowhere.
  // The embedded engine runs session set-up for anyone (`use` even creates namespaces): held until sign-in.
  use: { ...HELD, check: 'namespace' },
  let: HELD,
  set: HELD,
  unset: HELD,
  info: DATA,
  query: { ...DATA, check: 'query', records: 'query' },
  live: { ...DATA, records: 'live' },
  kill: { ...DATA, check: 'live-param', records: 'live-end' },
  select: DATA,
  create: DATA,
  insert: DATA,
  insert_relation: DATA,
  update: DATA,
  upsert: DATA,
  merge: DATA,
  patch: DATA,
  delete: DATA,
  relate: DATA,
  run: DATA,
  begin: { ...DATA, records: 'transaction' },
  commit: { ...DATA, check: 'transaction-param', records: 'transaction-end' },
  cancel: { ...DATA, check: 'transaction-param', records: 'transaction-end' },
  attach: { anonymous: 'refuse', signedIn: 'local' },
  detach: { anonymous: 'local', signedIn: 'local' },
  sessions: { anonymous: 'refuse', signedIn: 'local' },
});

/** What a decision needs to know about the session and its connection. */
export interface SessionView {
  /** This session has signed in. */
  signedIn: boolean;
  /** Some session of the connection has signed in (what `attach` and `sessions` need). */
  connectionSignedIn: boolean;
  /** Requests held for this session. */
  held: number;
  /** Engine sessions the connection holds. */
  sessions: number;
  ownsTransaction(id: string): boolean;
  ownsLive(id: string): boolean;
}

export interface HubRequest {
  method: string;
  params?: unknown[] | undefined;
  txn?: unknown;
}

export type Decision =
  | { step: 'refuse'; error: RpcErrorObject }
  | { step: 'answer' | 'hold'; result: unknown }
  | { step: 'local' }
  | { step: 'forward'; records?: Recorded; kills: KillTarget[] };

export function decide(request: HubRequest, view: SessionView): Decision {
  const rule = Object.hasOwn(METHOD_RULES, request.method) ? METHOD_RULES[request.method] : undefined;
  if (!rule) return refuse(notServed(request.method));
  const connectionLevel = request.method === 'attach' || request.method === 'sessions';
  const step = (connectionLevel ? view.connectionSignedIn : view.signedIn) ? rule.signedIn : rule.anonymous;
  if (step === 'refuse') return refuse(view.signedIn ? notServed(request.method) : notSignedIn());
  if (request.method === 'attach' && view.sessions >= HUB_LIMITS.sessionsPerConnection)
    return refuse(notAllowed(`at most ${HUB_LIMITS.sessionsPerConnection} sessions per connection`));
  const params = request.params ?? [];
  const problem = check(rule, params, view) ?? checkTransactionField(request.txn, view);
  if (problem) return refuse(problem);
  if (step === 'answer') return { step, result: undefined };
  if (step === 'local') return { step };
  if (step === 'hold') {
    if (view.held >= HUB_LIMITS.heldPerSession)
      return refuse(notSignedIn(`at most ${HUB_LIMITS.heldPerSession} requests are kept until then`));
    return { step, result: heldAnswer(request.method, params) };
  }
  const kills = rule.check === 'query' ? queryKills(params) : [];
  return { step: 'forward', ...(rule.records ? { records: rule.records } : {}), kills };
}

function check(rule: MethodRule, params: unknown[], view: SessionView): RpcErrorObject | undefined {
  switch (rule.check) {
    case 'namespace':
      return checkNamespace(params[0], params[1]);
    case 'signin':
      return checkSignin(params[0]);
    case 'transaction-param':
      return ownedTransaction(params[0], view);
    case 'live-param':
      return ownedLive(idOf(params[0]), view);
    case 'query':
      return checkQuery(params, view);
    default:
      return undefined;
  }
}

/**
 * The hub serves one database: `use` names it, both parts. (A database without a namespace, or a null namespace
 * with a database, makes the embedded engine panic and abort the whole process: "namespace should be set".)
 */
function checkNamespace(namespace: unknown, database: unknown): RpcErrorObject | undefined {
  if (namespace === NAMESPACE && database === DATABASE) return undefined;
  return notAllowed(
    `the MONO db hub serves namespace ${NAMESPACE}, database ${DATABASE} only: use('${NAMESPACE}', '${DATABASE}')`,
  );
}

const SIGNIN_KEYS = new Set(['user', 'pass', 'ns', 'db']);

/** Sign-in is a database user of the served database, by name and password: no root, record or token access. */
function checkSignin(auth: unknown): RpcErrorObject | undefined {
  const fields =
    auth && typeof auth === 'object' && !Array.isArray(auth) ? (auth as Record<string, unknown>) : {};
  const shaped =
    typeof fields.user === 'string' &&
    typeof fields.pass === 'string' &&
    Object.keys(fields).every((key) => SIGNIN_KEYS.has(key));
  if (shaped && fields.ns === NAMESPACE && fields.db === DATABASE) return undefined;
  return notAllowed(
    `sign in to the MONO db hub as its database user: namespace ${NAMESPACE}, database ${DATABASE}, username and password`,
  );
}

function checkTransactionField(txn: unknown, view: SessionView): RpcErrorObject | undefined {
  return txn === undefined || txn === null ? undefined : ownedTransaction(txn, view);
}

function ownedTransaction(raw: unknown, view: SessionView): RpcErrorObject | undefined {
  const id = idOf(raw);
  return id !== undefined && view.ownsTransaction(id) ? undefined : notFound(`Transaction ${String(raw)}`);
}

function ownedLive(id: string | undefined, view: SessionView): RpcErrorObject | undefined {
  return id !== undefined && view.ownsLive(id)
    ? undefined
    : notAllowed(`live query ${String(id ?? '')} is not one of this connection's`);
}

function checkQuery(params: unknown[], view: SessionView): RpcErrorObject | undefined {
  if (typeof params[0] !== 'string') return invalid('query takes a SurrealQL text');
  const scan = scanQuery(params[0]);
  if (scan.refused.length > 0) {
    return notAllowed(
      `${[...new Set(scan.refused)].join(', ')} statements are not run through the MONO db hub (it reads and ` +
        `writes ${NAMESPACE}/${DATABASE}; the agent owns its schema). If this is a field or table name, quote it in backticks.`,
    );
  }
  const bindings = bindingsOf(params[1]);
  for (const target of scan.kills) {
    if (target.kind === 'other')
      return notAllowed('KILL through the db hub takes a live query id: KILL u"<id>" or KILL $id');
    const id = target.kind === 'id' ? target.id : idOf(bindings[target.name]);
    const problem = ownedLive(id, view);
    if (problem) return problem;
  }
  return undefined;
}

/** The live query ids a query's KILL statements name (literally or through a binding), once it is allowed. */
function queryKills(params: unknown[]): KillTarget[] {
  const bindings = bindingsOf(params[1]);
  return scanQuery(String(params[0])).kills.map((target) => {
    if (target.kind !== 'param') return target;
    const id = idOf(bindings[target.name]);
    return id === undefined ? target : { kind: 'id', id };
  });
}

function heldAnswer(method: string, params: unknown[]): unknown {
  if (method !== 'use') return undefined;
  const [namespace, database] = params;
  return { namespace: namespace ?? undefined, database: database ?? undefined };
}

function bindingsOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A session, transaction or live query id as the hub keys it: the UUID's lower-case text. */
export function idOf(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : value && typeof value === 'object' ? String(value) : '';
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)
    ? text.toLowerCase()
    : undefined;
}

function refuse(error: RpcErrorObject): Decision {
  return { step: 'refuse', error };
}

export function notSignedIn(detail?: string): RpcErrorObject {
  const more = detail ? ` (${detail})` : '';
  return {
    code: -32002,
    kind: 'NotAllowed',
    message: `Not signed in: sign in to the MONO db hub (signin with the hub user) before anything else${more}`,
  };
}

export function notAllowed(message: string): RpcErrorObject {
  return { code: -32002, kind: 'NotAllowed', message };
}

export function notFound(what: string): RpcErrorObject {
  return { code: -32000, kind: 'NotFound', message: `${what} not found` };
}

function notServed(method: string): RpcErrorObject {
  return {
    code: -32601,
    kind: 'Method',
    message: `Method not served by the MONO db hub: ${method.slice(0, 40)}`,
  };
}

function invalid(message: string): RpcErrorObject {
  return { code: -32602, kind: 'InvalidParams', message };
}
