// The hub's SurrealQL scanner: KILL targets and refused statements are found wherever SurrealDB would run them.
// The engine itself is the judge: thousands of tricky texts (quotes, escapes, comments ended by unusual line
// breaks, regex literals, JavaScript bodies) are run on a scratch engine, and every USE, DEFINE or KILL it really
// executed must have been flagged by the scanner.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { scanQuery } from '../../../agent-core/hub/query-guard.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { prng } from '../../helpers/prng.ts';

const ID = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const kills = (sql: string) => scanQuery(sql).kills;
const refused = (sql: string) => scanQuery(sql).refused;

test('the SDK’s own KILL u"<id>" and KILL $param are read', () => {
  assert.deepEqual(kills(`KILL u"${ID}"`), [{ kind: 'id', id: ID }]);
  assert.deepEqual(kills(`kill '${ID.toUpperCase()}';`), [{ kind: 'id', id: ID }]);
  assert.deepEqual(kills('KILL $live'), [{ kind: 'param', name: 'live' }]);
  assert.deepEqual(kills('KILL (SELECT VALUE id FROM y)'), [{ kind: 'other' }]);
});

test('KILL after other statements, in blocks and after comments ended by any line break counts', () => {
  assert.equal(kills(`SELECT * FROM x; /* c */ KILL u"${ID}"`).length, 1);
  assert.equal(kills(`IF true { KILL u"${ID}" }`).length, 1);
  for (const lineEnd of ['\n', '\r', '\u2028', '\u0085']) {
    assert.equal(kills(`-- comment${lineEnd}KILL u"${ID}"`).length, 1, JSON.stringify(lineEnd));
    assert.deepEqual(refused(`RETURN 1; # c${lineEnd}USE NS x`), ['USE'], JSON.stringify(lineEnd));
  }
});

test('keywords inside strings, identifiers, parameters and comments are not statements', () => {
  assert.deepEqual(scanQuery(`CREATE message SET text = "please KILL u'${ID}' and USE it"`), {
    kills: [],
    refused: [],
  });
  assert.deepEqual(kills("CREATE note SET text = 'kill -9 the agent'; SELECT * FROM `kill`"), []);
  assert.deepEqual(scanQuery(`-- KILL u"${ID}" USE NS x\nRETURN 'a\\'; DEFINE'`), { kills: [], refused: [] });
  assert.deepEqual(scanQuery('LET $use = 1; LET $define = $use; RETURN ⟨remove⟩'), {
    kills: [],
    refused: [],
  });
});

test('USE, DEFINE, REMOVE, ALTER, REBUILD and ACCESS are refused wherever they stand', () => {
  assert.deepEqual(refused('use ns other db x'), ['USE']);
  assert.deepEqual(refused('RETURN 1;\u00a0USE NS x'), ['USE']);
  assert.deepEqual(refused("DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER"), ['DEFINE']);
  assert.deepEqual(refused('DEFINE EVENT e ON message THEN { DEFINE USER x ON ROOT }'), ['DEFINE', 'DEFINE']);
  assert.deepEqual(refused('REMOVE TABLE message; ALTER TABLE x; REBUILD INDEX i ON t; ACCESS a GRANT'), [
    'REMOVE',
    'ALTER',
    'REBUILD',
    'ACCESS',
  ]);
});

test('after a `/` or a JavaScript function, strings and comments are no longer trusted', () => {
  // As a regex literal, /'/ ends before the quote that looks like a string's start.
  assert.deepEqual(kills(`RETURN /'/; KILL u"${ID}"; RETURN /'/`), [{ kind: 'id', id: ID }]);
  assert.deepEqual(refused("RETURN 1 / 2; RETURN 'a'; USE NS x"), ['USE']);
  assert.deepEqual(refused('RETURN function() { return "\\"; }; USE NS x; RETURN function() { " }'), ['USE']);
});

let ds: Datastore;
before(async () => {
  ds = await openDatastore({ url: 'mem://', log: silentLogger });
  await ds.db.query('DEFINE TABLE watched SCHEMALESS').collect();
});
after(async () => {
  await ds?.close();
});

/** Tricky pieces of SurrealQL text: quotes, escapes, comment marks, unusual line breaks, regex and JS openers. */
const FRAGMENTS = [
  "'",
  '"',
  '`',
  '\\',
  '/',
  '//',
  '/*',
  '*/',
  '--',
  '#',
  '\n',
  '\r',
  '\u2028',
  '\u0085',
  '\u00a0',
  ';',
  '{',
  '}',
  '(',
  ')',
  '⟨',
  '⟩',
  "r'",
  'u"',
  '$',
  ' ',
  'RETURN 1',
  "RETURN 'x'",
  'RETURN "y"',
  'SELECT * FROM watched',
  'RETURN /a/',
  'RETURN 4 / 2',
  'RETURN function() { return 1; }',
  'IF true {',
  'LET $x = ',
  '-- note',
  '/* note */',
  'BEGIN',
  'COMMIT',
];

test('every USE, DEFINE and KILL the engine executes is flagged (differential, 3,000 texts)', {
  timeout: 120_000,
}, async () => {
  const random = prng(Number(process.env.MONO_FUZZ_SEED ?? 7));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const noise = () =>
    Array.from({ length: Math.floor(random() * 4) }, () => pick(FRAGMENTS)).join(pick(['', ' ', ';']));
  const executed = { USE: 0, DEFINE: 0, KILL: 0 };
  let flaggedHarmless = 0;
  for (let n = 0; n < 3000; n++) {
    const kind = pick(['USE', 'DEFINE', 'KILL'] as const);
    const name = `g${n}`;
    let live = '';
    if (kind === 'KILL') {
      const [id] = await ds.db.query('LIVE SELECT * FROM watched').collect<[unknown]>();
      live = String(id);
    }
    const payload = { USE: `USE NS ${name}`, DEFINE: `DEFINE TABLE ${name}`, KILL: `KILL u"${live}"` }[kind];
    const sql = `${noise()}${pick([';', '\n', ' ', ''])}${payload}${pick([';', '\n', ' ', ''])}${noise()}`;
    await ds.engine!.call({ method: 'query', params: [sql] }).catch(() => undefined);
    await ds.db.use({ namespace: 'mono', database: 'agent' });
    const [root, db, table] = await ds.db
      .query('INFO FOR ROOT; INFO FOR DB; INFO FOR TABLE watched')
      .collect<[{ namespaces: object }, { tables: object }, { lives: object }]>();
    const ran =
      kind === 'USE'
        ? name in root.namespaces
        : kind === 'DEFINE'
          ? name in db.tables
          : !(live in table.lives);
    const scan = scanQuery(sql);
    const flagged =
      kind === 'KILL'
        ? scan.kills.some((k) => k.kind !== 'id' || k.id === live)
        : scan.refused.includes(kind);
    if (ran) {
      executed[kind] += 1;
      assert.ok(flagged, `the engine ran ${kind} but the scanner missed it in ${JSON.stringify(sql)}`);
    } else if (flagged) flaggedHarmless += 1;
    if (kind === 'KILL' && !ran) await ds.db.query(`KILL u"${live}"`).collect();
  }
  console.log(
    `query guard: executed USE ${executed.USE}, DEFINE ${executed.DEFINE}, KILL ${executed.KILL}; flagged though harmless ${flaggedHarmless}`,
  );
  // The corpus must really reach the engine, or this test proves nothing.
  for (const count of Object.values(executed)) assert.ok(count >= 100, JSON.stringify(executed));
});
