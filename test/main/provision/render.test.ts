// What `mono` prints while it works: a bar redrawn in place on a terminal (moving with a long step's rows), plain
// lines in a pipe, one JSON object per line with --json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProgressEvent } from '../../../src-main/provision/progress.ts';
import { createOutput } from '../../../src-main/provision/terminal/render.ts';

/** A stream that records what is written, as a terminal of `columns` would receive it. */
function terminal(columns?: number) {
  const writes: string[] = [];
  const out = { columns, write: (chunk: string) => writes.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { out, writes };
}

const CLEAR = '\r\x1b[2K';

function event(
  step: string,
  status: ProgressEvent['status'],
  message: string,
  extra: Partial<ProgressEvent> = {},
) {
  const index = ['check', 'restore', 'count'].indexOf(step) + 1;
  return {
    type: 'step',
    host: 'local',
    step,
    status,
    message,
    index,
    total: 3,
    time: '',
    ...extra,
  } as ProgressEvent;
}

describe('the terminal progress bar', () => {
  it('draws the bar in place, moves it with the rows of a step, and replaces it by the finished step’s line', () => {
    const { out, writes } = terminal(100);
    const o = createOutput({ json: false, tty: true, out });
    o.listener(event('check', 'start', 'Checking the file'));
    o.listener(event('check', 'ok', 'The file is whole', { elapsed_ms: 40 }));
    o.listener(event('restore', 'start', 'Restoring'));
    o.listener(
      event('restore', 'start', 'Restoring: 500 of 1000 rows', { detail: { rows: 500, total: 1000 } }),
    );
    o.listener(
      event('restore', 'start', 'Restoring: 1000 of 1000 rows', { detail: { rows: 1000, total: 1000 } }),
    );
    o.listener(event('restore', 'ok', 'Restored 1000 rows', { elapsed_ms: 2500 }));
    o.result({ rows: 1000 }, 'Done.');
    assert.deepEqual(writes, [
      '[--------------------] 1/3 check: Checking the file',
      CLEAR,
      '✓ check     The file is whole  (40 ms)\n',
      '[#######-------------] 2/3 restore: Restoring',
      CLEAR,
      '[##########----------] 2/3 restore: Restoring: 500 of 1000 rows',
      CLEAR,
      '[#############-------] 2/3 restore: Restoring: 1000 of 1000 rows',
      CLEAR,
      '✓ restore   Restored 1000 rows  (2.5 s)\n',
      'Done.\n',
    ]);
    assert.ok(
      !writes.slice(0, -2).some((w) => w.startsWith('[') && w.includes('\n')),
      'the bar never scrolls',
    );
  });

  it('fits a narrow terminal, and a failure or the result first clears the bar', () => {
    const { out, writes } = terminal(30);
    const o = createOutput({ json: false, tty: true, out });
    o.listener(event('restore', 'start', 'Restoring a very long message that does not fit'));
    assert.equal(writes[0], '[#######-------------] 2/3 re');
    assert.equal(writes[0]!.length, 29, 'one column short of the width: no wrap');
    o.done();
    assert.deepEqual(writes.slice(1), [CLEAR]);
    o.done();
    assert.equal(writes.length, 2, 'nothing to clear twice');
  });

  it('prints plain lines in a pipe (no bar, no escape codes) and JSON lines with --json', () => {
    const pipe = terminal();
    const plain = createOutput({ json: false, tty: false, out: pipe.out });
    plain.listener(event('restore', 'start', 'Restoring: 1 of 2 rows', { detail: { rows: 1, total: 2 } }));
    plain.listener(event('restore', 'skip', 'Nothing to restore', { elapsed_ms: 3 }));
    assert.deepEqual(pipe.writes, ['– restore   Nothing to restore\n']);

    const json = terminal();
    const machine = createOutput({ json: true, tty: true, out: json.out });
    const rows = event('restore', 'start', 'Restoring: 1 of 2 rows', { detail: { rows: 1, total: 2 } });
    machine.listener(rows);
    machine.result({ counts: { message: 2 } }, 'ignored text');
    assert.deepEqual(
      json.writes.map((w) => JSON.parse(w)),
      [rows, { type: 'result', ok: true, counts: { message: 2 } }],
    );
    assert.ok(json.writes.every((w) => w.endsWith('\n') && !w.includes('\x1b')));
  });
});
