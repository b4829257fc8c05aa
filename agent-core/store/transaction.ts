// Runs statements as one transaction in one round trip and returns what its final RETURN statement yields.
import type { Surreal } from 'surrealdb';

/** `body` must end with a `RETURN …;` statement. */
export async function transaction<T>(db: Surreal, body: string, vars: Record<string, unknown>): Promise<T> {
  const results = await transactionResults(db, body, vars);
  // Results hold one entry per statement, BEGIN and COMMIT included: the RETURN is the one before COMMIT.
  return results[results.length - 2] as T;
}

/** Runs statements as one transaction in one round trip; one result per statement, BEGIN and COMMIT included. */
export function transactionResults(
  db: Surreal,
  body: string,
  vars: Record<string, unknown>,
): Promise<unknown[]> {
  return db.query(`BEGIN;\n${body}\nCOMMIT;`, vars).collect();
}
