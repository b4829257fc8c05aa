// Finds the KILL statements in a SurrealQL text, so the hub can refuse one connection killing another's live
// query (the engine lets any session kill any live query by id).

export type KillTarget = { kind: 'id'; id: string } | { kind: 'param'; name: string } | { kind: 'other' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every KILL statement's target. Strings, quoted identifiers and comments are skipped; KILL counts where a
 * statement can start (the beginning, or after `;`, `{` or `(`), which is how SurrealQL reads it.
 */
export function findKillTargets(sql: string): KillTarget[] {
  const targets: KillTarget[] = [];
  let i = 0;
  let atStatementStart = true;
  while (i < sql.length) {
    const c = sql[i] as string;
    const skipped = skipTrivia(sql, i);
    if (skipped > i) {
      i = skipped;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c);
      atStatementStart = false;
      continue;
    }
    if (c === '⟨') {
      const end = sql.indexOf('⟩', i + 1);
      i = end < 0 ? sql.length : end + 1;
      atStatementStart = false;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_]/.test(sql[end] as string)) end++;
      const word = sql.slice(i, end);
      if (atStatementStart && word.toUpperCase() === 'KILL') {
        const { target, next } = readTarget(sql, end);
        targets.push(target);
        i = next;
      } else {
        i = end;
      }
      atStatementStart = false;
      continue;
    }
    atStatementStart = c === ';' || c === '{' || c === '(';
    i++;
  }
  return targets;
}

function readTarget(sql: string, from: number): { target: KillTarget; next: number } {
  let i = skipAllTrivia(sql, from);
  if (sql[i] === '$') {
    let end = i + 1;
    while (end < sql.length && /[A-Za-z0-9_]/.test(sql[end] as string)) end++;
    return { target: { kind: 'param', name: sql.slice(i + 1, end) }, next: end };
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

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === quote) return i + 1;
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
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end + 1;
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
