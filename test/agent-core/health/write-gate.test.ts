// The engine's door while the disk is full: which requests may write (and wait) and which go through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayWrite } from '../../../agent-core/health/write-gate.ts';

test('data-changing RPC methods and statements wait; reads, pings and session calls do not', () => {
  for (const method of [
    'create',
    'insert',
    'update',
    'upsert',
    'merge',
    'patch',
    'delete',
    'relate',
    'live',
    'kill',
  ])
    assert.ok(mayWrite({ method }), method);
  for (const method of ['ping', 'version', 'signin', 'use', 'let', 'unset', 'select', 'info'])
    assert.ok(!mayWrite({ method }), method);
  const query = (sql: unknown) => mayWrite({ method: 'query', params: [sql] });
  assert.ok(!query('SELECT * FROM message WHERE status = "pending"'));
  assert.ok(!query('RETURN 1'));
  assert.ok(
    query('BEGIN; LET $x = (SELECT VALUE id FROM message LIMIT 1); UPDATE $x SET status = "sent"; COMMIT;'),
  );
  assert.ok(query('upsert agent_status:current SET heartbeat_at = time::now()'), 'in any case');
  assert.ok(query('LIVE SELECT * FROM retry_request'), 'a live query is stored');
  assert.ok(query(undefined), 'what cannot be read is treated as a write');
});
