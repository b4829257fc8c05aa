// Reads a SurrealQL text the way SurrealDB's lexer does, to find what the db hub must check before the engine
// runs it: the targets of KILL statements (the engine lets any session kill any live query by id), and
// statements a hub user may never run (USE creates namespaces and databases; DEFINE, REMOVE, ALTER, REBUILD and
// ACCESS change schema and access, and an event or function defined there later runs with the agent's rights).
// Where the lexer's reading depends on context this scanner does not follow (a `/` may start a regex, `function`
// a JavaScript body), it stops trusting strings and comments and flags every keyword that follows: it may refuse
// a query that was harmless, never pass one that is not.

export type KillTarget = { kind: 'id'; id: string } | { kind: 'param'; name: string } | { kind: 'other' };

export interface QueryScan {
  /** The target of each KILL. */
  kills: KillTarget[];
  /** Refused statement keywords found (upper case, in order). */
  refused: string[];
}

/** Keywords of statements the hub never forwards, wherever they appear. */
export const REFUSED_STATEMENTS: ReadonlySet<string> = new Set([
  'USE',
  'DEFINE',
  'REMOVE',
  'ALTER',
  'REBUILD',
  'ACCESS',
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WORD_START = /[A-Za-z_]/;
const WORD = /[A-Za-z0-9_]/;
/** SurrealDB ends a line comment at any of these (measured: \r, U+0085 and U+2028 end one, not only \n). */
const LINE_END = /[\n\r\v\f\u0085\u2028\u2029]/;

export function scanQuery(sql: string): QueryScan {
  const scan: QueryScan = { kills: [], refused: [] };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const skipped = skipTrivia(sql, i);
    if (skipped > i) {
      i = skipped;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c);
      continue;
    }
    if (c === '⟨') {
      i = skipQuoted(sql, i, '⟩');
      continue;
    }
    if (c === '$') {
      i = wordEnd(sql, i + 1);
      continue;
    }
    // Not a comment: a division or a regex literal, which may hold quotes and comment marks of its own.
    if (c === '/') {
      scanRaw(sql, i, scan);
      return scan;
    }
    if (WORD_START.test(c)) {
      const end = wordEnd(sql, i);
      const word = sql.slice(i, end).toUpperCase();
      if (word === 'FUNCTION') {
        // An embedded JavaScript function: its body is JavaScript, lexed by rules of its own.
        scanRaw(sql, end, scan);
        return scan;
      }
      i = end;
      if (REFUSED_STATEMENTS.has(word)) scan.refused.push(word);
      if (word === 'KILL') {
        const { target, next } = readKillTarget(sql, end);
        scan.kills.push(target);
        i = next;
      }
      continue;
    }
    i++;
  }
  return scan;
}

/** Every keyword from `from` on counts, inside strings and comments too. */
function scanRaw(sql: string, from: number, scan: QueryScan): void {
  let i = from;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === '$') {
      i = wordEnd(sql, i + 1);
      continue;
    }
    if (!WORD_START.test(c)) {
      i++;
      continue;
    }
    const end = wordEnd(sql, i);
    const word = sql.slice(i, end).toUpperCase();
    i = end;
    if (REFUSED_STATEMENTS.has(word)) scan.refused.push(word);
    if (word === 'KILL') {
      const { target, next } = readKillTarget(sql, end);
      scan.kills.push(target);
      i = Math.max(i, next);
    }
  }
}

function readKillTarget(sql: string, from: number): { target: KillTarget; next: number } {
  let i = skipAllTrivia(sql, from);
  if (sql[i] === '$') {
    const end = wordEnd(sql, i + 1);
    if (end > i + 1) return { target: { kind: 'param', name: sql.slice(i + 1, end) }, next: end };
    return { target: { kind: 'other' }, next: i + 1 };
  }
  if (sql[i] === 'u' || sql[i] === 'U') i++;
  const quote = sql[i];
  if (quote === "'" || quote === '"') {
    const end = skipQuoted(sql, i, quote);
    const id = sql.slice(i + 1, end - 1);
    if (UUID.test(id)) return { target: { kind: 'id', id: id.toLowerCase() }, next: end };
    return { target: { kind: 'other' }, next: end };
  }
  return { target: { kind: 'other' }, next: i };
}

function wordEnd(sql: string, from: number): number {
  let end = from;
  while (end < sql.length && WORD.test(sql[end] as string)) end++;
  return end;
}

/** From an opening quote to just past its closing one (`close` defaults to the same character); `\` escapes. */
function skipQuoted(sql: string, start: number, close: string = sql[start] as string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === close) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Skip one comment or a run of whitespace starting at i; returns i when there is none. */
function skipTrivia(sql: string, i: number): number {
  if (/\s/.test(sql[i] as string)) {
    let end = i + 1;
    while (end < sql.length && /\s/.test(sql[end] as string)) end++;
    return end;
  }
  const two = sql.slice(i, i + 2);
  if (two === '--' || two === '//' || sql[i] === '#') {
    let end = i + 1;
    while (end < sql.length && !LINE_END.test(sql[end] as string)) end++;
    return end;
  }
  if (two === '/*') {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

function skipAllTrivia(sql: string, i: number): number {
  for (;;) {
    const next = skipTrivia(sql, i);
    if (next === i) return i;
    i = next;
  }
}
