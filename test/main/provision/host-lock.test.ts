// Which deploy locks are stale without waiting for their heartbeat to age: a dead local process's, or one left
// by an operation of this process that has ended (its SSH connection died before it could release it).
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { heldByDeadLocalProcess } from '../../../src-main/provision/host-lock.ts';

describe('stale deploy locks', () => {
  it('a lock of another machine is never taken over early, whatever its pid', () => {
    assert.equal(
      heldByDeadLocalProcess({ machine: 'elsewhere', pid: '1', token: 't' }, () => false),
      false,
    );
  });

  it('a lock of a dead process on this machine is stale; a live one is not', () => {
    const facts = { machine: hostname(), pid: '999999', token: 't' };
    assert.equal(
      heldByDeadLocalProcess(facts, () => false),
      true,
    );
    assert.equal(
      heldByDeadLocalProcess(facts, () => true),
      false,
    );
  });

  it('a lock of this very process that no running operation holds is stale (a retry need not wait)', () => {
    const facts = { machine: hostname(), pid: String(process.pid), token: 'left-by-a-dead-connection' };
    assert.equal(
      heldByDeadLocalProcess(facts, () => true),
      true,
    );
  });
});
