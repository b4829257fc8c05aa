// KILL statements are found wherever SurrealQL would run them, and nowhere else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findKillTargets } from '../../../agent-core/hub/kill-guard.ts';

const ID = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

test('the SDK’s own KILL u"<id>" and KILL $param are read', () => {
  assert.deepEqual(findKillTargets(`KILL u"${ID}"`), [{ kind: 'id', id: ID }]);
  assert.deepEqual(findKillTargets(`kill '${ID.toUpperCase()}';`), [{ kind: 'id', id: ID }]);
  assert.deepEqual(findKillTargets('KILL $live'), [{ kind: 'param', name: 'live' }]);
});

test('KILL after other statements, in blocks and after comments counts', () => {
  assert.equal(findKillTargets(`SELECT * FROM x; /* c */ KILL u"${ID}"`).length, 1);
  assert.equal(findKillTargets(`IF true { KILL u"${ID}" }`).length, 1);
  assert.equal(findKillTargets(`-- comment\n  KILL u"${ID}"`).length, 1);
  assert.deepEqual(findKillTargets('KILL (SELECT VALUE id FROM y)'), [{ kind: 'other' }]);
});

test('the word kill inside strings, identifiers and comments is not a statement', () => {
  assert.deepEqual(findKillTargets(`CREATE message SET text = "please KILL u'${ID}'"`), []);
  assert.deepEqual(findKillTargets("CREATE note SET text = 'kill -9 the agent'; SELECT * FROM `kill`"), []);
  assert.deepEqual(findKillTargets(`-- KILL u"${ID}"\nRETURN 1`), []);
  assert.deepEqual(findKillTargets('SELECT kill FROM stats'), []);
});
