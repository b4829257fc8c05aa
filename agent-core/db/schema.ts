// Applies the datastore schema: every agent-core/db/schema/NNN-name.surql in order, each once, recorded in the
// `migration` table. The files sit beside this module in development and in dist/schema/ beside the bundle.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Surreal } from 'surrealdb';
import type { Logger } from '../log/logger.ts';
import { errorMessage } from '../util/error-message.ts';
import { MigrationError } from './errors.ts';

const FILE_NAME = /^(\d{3})-[a-z0-9][a-z0-9-]*\.surql$/;
/** The runner's own table; its file is idempotent and runs before the others are checked, whenever it changed. */
const BOOTSTRAP = '000-migration';

export interface SchemaFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface AppliedSchema {
  applied: string[];
  skipped: string[];
}

/**
 * The schema directory: `./schema/` next to this module. In the bundle `import.meta.url` is dist/mono-agent.js,
 * and the build copies the files to dist/schema/, so the same expression finds both.
 */
export function schemaDir(): string {
  return fileURLToPath(new URL('./schema/', import.meta.url));
}

export function readSchemaFiles(dir: string = schemaDir()): SchemaFile[] {
  if (!existsSync(dir)) {
    throw new MigrationError(
      '(none)',
      `the schema directory ${dir} is missing; rebuild the agent (npm run build)`,
    );
  }
  return readdirSync(dir)
    .filter((name) => FILE_NAME.test(name))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return {
        name: name.replace(/\.surql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * `only`: apply just these files (the bootstrap file always runs). A restore rebuilds a backup's schema this way,
 * puts its rows in, and only then applies the newer files, as an agent update would have.
 */
export async function applySchema(
  db: Surreal,
  log: Logger,
  dir: string = schemaDir(),
  only?: ReadonlySet<string>,
): Promise<AppliedSchema> {
  const files = readSchemaFiles(dir).filter(
    (file) => !only || file.name === BOOTSTRAP || only.has(file.name),
  );
  const bootstrap = files.find((file) => file.name === BOOTSTRAP);
  // Usually everything is applied already: one query answers that, and a start runs no DEFINE at all.
  let done = await appliedMigrations(db);
  if (bootstrap && done?.get(BOOTSTRAP) !== bootstrap.checksum) {
    await run(db, bootstrap);
    done = await appliedMigrations(db);
  }
  const result: AppliedSchema = { applied: [], skipped: [] };
  for (const file of files) {
    if (file.name === BOOTSTRAP) continue;
    const checksum = done?.get(file.name);
    if (checksum !== undefined) {
      // Applied files are history: edits to them never run again. Say so instead of silently ignoring them.
      if (checksum !== file.checksum)
        log.warn(
          { migration: file.name },
          'schema file changed after it was applied; add a new file instead',
        );
      result.skipped.push(file.name);
      continue;
    }
    const started = performance.now();
    await run(db, file);
    log.info(
      { migration: file.name, ms: Math.round(performance.now() - started) },
      'schema migration applied',
    );
    result.applied.push(file.name);
  }
  return result;
}

/** Name → checksum of every applied file; undefined while the migration table does not exist (a new datastore). */
async function appliedMigrations(db: Surreal): Promise<Map<string, string> | undefined> {
  try {
    const [rows] = await db
      .query('SELECT name, checksum FROM migration')
      .collect<[{ name: string; checksum: string }[]]>();
    return new Map(rows.map((row) => [row.name, row.checksum]));
  } catch (error) {
    if (/does not exist/i.test(errorMessage(error))) return undefined;
    throw new MigrationError(BOOTSTRAP, errorMessage(error), { cause: error });
  }
}

// UPSERT: the bootstrap file is recorded again whenever it changes.
const RECORD_ROW =
  'UPSERT type::record("migration", $name) SET name = $name, checksum = $checksum, applied_at = time::now();';

/**
 * One file in one transaction together with its `migration` row, so a failure leaves nothing half-applied
 * (unless the file manages its own transactions, which then run as written).
 */
async function run(db: Surreal, file: SchemaFile): Promise<void> {
  const ownTransaction = /\b(BEGIN|COMMIT|CANCEL)\b/i.test(stripComments(file.sql));
  const body = file.sql.trim().replace(/;?\s*$/, ';');
  const sql = ownTransaction
    ? `${body}\n${RECORD_ROW}`
    : `BEGIN TRANSACTION;\n${body}\n${RECORD_ROW}\nCOMMIT TRANSACTION;`;
  try {
    await db.query(sql, { name: file.name, checksum: file.checksum }).collect();
  } catch (error) {
    throw new MigrationError(file.name, errorMessage(error), { cause: error });
  }
}

function stripComments(sql: string): string {
  return sql
    .replace(/--[^\n]*|\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g, '')
    .replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, '');
}
