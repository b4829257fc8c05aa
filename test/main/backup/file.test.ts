// Backup files on the desktop: nothing under the final name unless complete, an older backup kept when a new
// one fails, owner-only files, whole-file checks (counts included), and passphrase files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeContainer } from '../../../agent-core/backup/container.ts';
import { BackupFileError } from '../../../agent-core/backup/errors.ts';
import { encodePages } from '../../../agent-core/backup/records.ts';
import { checkBackupFile, readPassphraseFile, writeFileAtomically } from '../../../src-main/backup/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-backup-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(n: number, failAfter?: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < n; i++) {
    if (failAfter !== undefined && i === failAfter) throw new Error('the connection dropped');
    yield Buffer.alloc(64 * 1024, i);
  }
}

describe('backup files', () => {
  test('written whole or not at all; an older backup under the same name survives a failed one', async () => {
    const path = join(dir, 'agent.monobak');
    assert.equal(await writeFileAtomically(path, chunks(4)), 4 * 64 * 1024);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const before = readFileSync(path);
    await assert.rejects(writeFileAtomically(path, chunks(10, 6)), /the connection dropped/);
    assert.ok(readFileSync(path).equals(before), 'the earlier backup is untouched');
    const other = join(dir, 'never.monobak');
    await assert.rejects(writeFileAtomically(other, chunks(10, 3)), /the connection dropped/);
    assert.deepEqual(readdirSync(dir), ['agent.monobak'], 'no partial file, under any name');
  });

  test('a file whose rows do not match its header is refused, even with a valid checksum', async () => {
    const path = join(dir, 'lying.monobak');
    const rows = [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }];
    const fields = {
      created_at: new Date().toISOString(),
      agent_version: '1.0.0',
      schema: { version: 1, migrations: [] },
      live: false,
      counts: { message: 5 },
      compression: 'br' as const,
    };
    const pages = (async function* () {
      yield { table: 'message', rows };
    })();
    await writeFileAtomically(path, writeContainer(fields, encodePages(pages)));
    await assert.rejects(checkBackupFile(path), (error) => {
      assert.ok(error instanceof BackupFileError);
      assert.equal(error.problem, 'tampered');
      assert.match(error.message, /4 rows of message, its header says 5/);
      return true;
    });
    rmSync(path);
  });

  test('passphrase files: the first line, never an empty or short one', async () => {
    const file = join(dir, 'pass');
    writeFileSync(file, 'a proper passphrase\r\nsecond line ignored\n');
    assert.equal((await readPassphraseFile(file)).reveal(), 'a proper passphrase');
    writeFileSync(file, '\nsecret on line two\n');
    await assert.rejects(readPassphraseFile(file), /is empty; use a longer one/);
    writeFileSync(file, 'short\n');
    await assert.rejects(readPassphraseFile(file), /shorter than 8 characters/);
    await assert.rejects(
      readPassphraseFile(join(dir, 'missing')),
      /cannot read the passphrase file .*ENOENT/,
    );
    rmSync(file);
  });
});
