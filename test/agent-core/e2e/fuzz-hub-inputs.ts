// Hostile input for the db hub, one frame (or one upgrade request) at a time: random bytes, text frames, random
// CBOR values, mutated valid requests, wrong and unknown methods, odd ids, sessions and transactions, frames past
// the limits, held-request floods and bad sign-ins before sign-in; after sign-in, every served method with random
// parameters and SurrealQL built from fragments that try USE, schema statements and KILL of others' live queries.
import { CborCodec, RecordId, Uuid } from 'surrealdb';
import { picker, type Random } from '../../helpers/prng.ts';

export type HubFrame = { kind: string; frame: Uint8Array | string };

const METHODS = [
  'ping',
  'health',
  'version',
  'signin',
  'signup',
  'authenticate',
  'refresh',
  'invalidate',
  'reset',
  'use',
  'let',
  'set',
  'unset',
  'info',
  'query',
  'live',
  'kill',
  'select',
  'update',
  'merge',
  'delete',
  'run',
  'begin',
  'commit',
  'cancel',
  'attach',
  'detach',
  'sessions',
  'graphql',
  'import',
  'export',
  '__proto__',
  'constructor',
  '',
  'x'.repeat(100),
];
/** Pieces of SurrealQL an attacker would try; no table the agent uses, so nothing of the owner's is touched. */
const SQL = [
  'RETURN 1',
  'SELECT * FROM fuzz_table',
  'USE NS other DB x',
  'USE DB elsewhere',
  "DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER",
  "DEFINE EVENT e ON fuzz_table THEN { DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER }",
  'DEFINE TABLE fuzz_new',
  'REMOVE TABLE fuzz_table',
  'ACCESS a GRANT FOR USER x',
  `KILL u"${'0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'}"`,
  'KILL $id',
  'KILL (SELECT VALUE id FROM x)',
  'INFO FOR ROOT',
  'INFO FOR NS',
  'BEGIN',
  'COMMIT',
  'CANCEL',
  "RETURN 'a\\'",
  '-- c\rUSE NS sneaky',
  '/* */ RETURN /x/',
  'RETURN function() { return 1; }',
  'LET $x = 1',
  'SELECT * FROM ⟨weird⟩',
  'SELECT',
  ';;;',
  '{',
  "'unterminated",
];

export function hubFrames(random: Random): { before: () => HubFrame; after: () => HubFrame } {
  const { int, pick, chance, bytes, ascii } = picker(random);
  const codec = new CborCodec({});
  const value = (depth = 0): unknown => {
    const simple = [
      () => int(2 ** 31) - 2 ** 30,
      () => random() * 1e308,
      () => Number.NaN,
      () => 2n ** 70n,
      () => ascii(int(40)),
      () => null,
      () => undefined,
      () => chance(0.5),
      () => new Uuid(Uuid.v4().toString()),
      () => new RecordId('fuzz_table', ascii(5)),
      () => new Date(int(2 ** 40)),
      () => bytes(int(40)),
    ];
    if (depth > 3 || chance(0.6)) return pick(simple)();
    if (chance(0.5)) return Array.from({ length: int(5) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(5) }, () => [ascii(1 + int(8)), value(depth + 1)]));
  };
  const encode = (request: unknown): Uint8Array => {
    try {
      return codec.encode(request);
    } catch {
      return bytes(8);
    }
  };
  const mutate = (frame: Uint8Array): Uint8Array => {
    const out = Buffer.from(frame);
    for (let n = 1 + int(3); n > 0 && out.length > 0; n--) out[int(out.length)] = int(256);
    return chance(0.3) ? out.subarray(0, int(out.length + 1)) : out;
  };
  const request = (method: string, params?: unknown[], extra: Record<string, unknown> = {}) =>
    encode({ id: int(1e6), method, ...(params ? { params } : {}), ...extra });
  const shared: (() => HubFrame)[] = [
    () => ({ kind: 'random-bytes', frame: bytes(1 + int(300)) }),
    () => ({ kind: 'text-frame', frame: pick(['{"method":"ping"}', ascii(int(200)), '']) }),
    () => ({ kind: 'cbor-value', frame: encode(value()) }),
    () => ({ kind: 'mutated', frame: mutate(request(pick(METHODS), [value()])) }),
    () => ({ kind: 'method', frame: request(pick(METHODS), chance(0.5) ? [value(), value()] : undefined) }),
    () => ({
      kind: 'odd-fields',
      frame: encode({
        id: pick([value(), {}, [], -1, 'x'.repeat(500)]),
        method: pick([value(), 'ping', 42]),
        params: pick([value(), 'notarray', {}, [value()]]),
        session: pick([value(), Uuid.v4(), 'nope']),
        txn: pick([value(), Uuid.v4(), 7]),
      }),
    }),
    () => ({
      kind: 'use-other',
      frame: request('use', [pick(['other', 'mono', null, value()]), pick(['x', 'agent', value()])]),
    }),
    () => ({ kind: 'let-flood', frame: request(pick(['let', 'set', 'unset']), [ascii(5), value()]) }),
  ];
  const before: (() => HubFrame)[] = [
    ...shared,
    () => ({ kind: 'huge-before', frame: request('ping', ['x'.repeat(65 * 1024 + int(200_000))]) }),
  ];
  const after: (() => HubFrame)[] = [
    ...shared,
    () => ({
      kind: 'query',
      frame: request(
        'query',
        [
          Array.from({ length: 1 + int(3) }, () => pick(SQL)).join(pick([';', '\n', ' '])),
          { id: pick([Uuid.v4(), value()]) },
        ],
        chance(0.2) ? { txn: Uuid.v4() } : {},
      ),
    }),
    () => ({
      kind: 'served-method',
      frame: request(
        pick([
          'select',
          'info',
          'kill',
          'commit',
          'cancel',
          'run',
          'attach',
          'detach',
          'sessions',
          'invalidate',
          'authenticate',
          'refresh',
        ]),
        [pick([value(), 'fuzz_table', Uuid.v4(), new RecordId('fuzz_table', 1), 'fn::nothing'])],
        chance(0.3) ? { session: pick([Uuid.v4(), value()]) } : {},
      ),
    }),
    () => ({
      kind: 'large-after',
      frame: request('query', ['RETURN string::len($x)', { x: 'y'.repeat(64 * 1024 + int(192 * 1024)) }]),
    }),
    () => ({ kind: 'huge-after', frame: request('ping', ['z'.repeat(16 * 1024 * 1024 + 10)]) }),
  ];
  // A wrong password costs the agent an argon2 check (tens of ms), and the 16 MiB frame only proves the limit:
  // both are drawn rarely, so the run covers everything else many times over in its time.
  const wrongSignin = (): HubFrame => ({
    kind: 'signin-wrong',
    frame: request('signin', [
      pick([
        { user: 'mono', pass: ascii(10), ns: 'mono', db: 'agent' },
        { user: 'root', pass: 'root' },
        value(),
        'token',
      ]),
    ]),
  });
  const drawBefore = () => (chance(0.02) ? wrongSignin() : pick(before)());
  const drawAfter = () => {
    if (chance(0.01)) return wrongSignin();
    const frame = pick(after)();
    return frame.kind === 'huge-after' && !chance(0.02) ? pick(shared)() : frame;
  };
  return { before: drawBefore, after: drawAfter };
}

/** Hostile upgrade requests: wrong paths, Origins, versions, keys and protocols. */
export function upgradeRequests(random: Random): () => string {
  const { pick, ascii } = picker(random);
  return () => {
    const target = pick([
      '/rpc',
      '//',
      '/%',
      '/%zz',
      '/rpc/',
      '/RPC',
      'http://127.0.0.1/rpc',
      '*',
      `/${'r'.repeat(20_000)}`,
      `/rpc?${ascii(20)}`,
    ]);
    const headers = [
      'Host: 127.0.0.1',
      pick(['Connection: Upgrade', 'Connection: keep-alive', '']),
      pick(['Upgrade: websocket', 'Upgrade: h2c', '']),
      pick(['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8', '']),
      pick(['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', `Sec-WebSocket-Key: ${ascii(10)}`, '']),
      pick([
        'Sec-WebSocket-Protocol: cbor',
        'Sec-WebSocket-Protocol: json',
        `Sec-WebSocket-Protocol: ${ascii(10)}`,
        '',
      ]),
      pick(['', 'Origin: https://evil.example', 'Origin: null']),
    ].filter(Boolean);
    return `${pick(['GET', 'POST', 'get'])} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
  };
}
