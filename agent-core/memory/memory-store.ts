// Facts about the owner in the datastore (table `memory`): saved once each, recalled by relevance with
// SurrealDB's full-text search (BM25 over the `memory_text` analyzer).
import type { RecordId, Surreal } from 'surrealdb';

export interface Fact {
  text: string;
  score?: number;
}

const MAX_FACT_CHARS = 500;
const MAX_TERMS = 8;
const STOPWORDS = new Set(
  'a an and are as at be but by can could did do does for from had has have he her him his how i if in into is it its me my no not of on or our she so that the their them then there these they this to was we were what when where which who why will with would you your'.split(
    ' ',
  ),
);

export function normalizeFact(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The distinct meaningful words of a query: each is matched on its own, so any of them can recall a fact. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  return [...new Set(words.filter((word) => !STOPWORDS.has(word)))].slice(0, MAX_TERMS);
}

/** Saves a fact; false when the same fact was known already. */
export async function remember(
  db: Surreal,
  text: string,
  options: { conversation?: RecordId; source?: 'tool' | 'summary' | 'owner' } = {},
): Promise<boolean> {
  const fact = text.trim().replace(/\s+/g, ' ').slice(0, MAX_FACT_CHARS);
  if (!fact) return false;
  const [rows] = await db
    .query<[unknown[]]>(
      `IF (SELECT VALUE id FROM memory WHERE key = $key LIMIT 1)[0] { RETURN [] } ELSE {
         RETURN CREATE memory CONTENT { text: $text, key: $key, conversation: $conversation, source: $source,
           created_at: time::now() } RETURN id
       }`,
      {
        text: fact,
        key: normalizeFact(fact),
        conversation: options.conversation,
        source: options.source ?? 'tool',
      },
    )
    .collect();
  return Array.isArray(rows) && rows.length > 0;
}

/** The facts most relevant to a query, best first. */
export async function recall(db: Surreal, query: string, limit = 5): Promise<Fact[]> {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  const vars: Record<string, unknown> = { limit };
  const matches: string[] = [];
  const scores: string[] = [];
  terms.forEach((term, index) => {
    vars[`t${index}`] = term;
    matches.push(`text @${index + 1}@ $t${index}`);
    scores.push(`(search::score(${index + 1}) ?? 0)`);
  });
  const [rows] = await db
    .query<[Fact[]]>(
      `SELECT text, ${scores.join(' + ')} AS score FROM memory WHERE ${matches.join(' OR ')}
       ORDER BY score DESC LIMIT $limit`,
      vars,
    )
    .collect();
  return rows;
}

export async function forget(db: Surreal, text: string): Promise<boolean> {
  const [rows] = await db
    .query<[unknown[]]>('DELETE memory WHERE key = $key RETURN BEFORE', { key: normalizeFact(text) })
    .collect();
  return rows.length > 0;
}
