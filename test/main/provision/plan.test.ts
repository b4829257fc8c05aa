// planDeploy, table by table: what a deploy changes and — above all — where a failure takes the host back to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DeployPlan,
  type Installed,
  newSchemaFiles,
  planDeploy,
} from '../../../src-main/provision/plan.ts';
import { releaseId, versionOf } from '../../../src-main/provision/release.ts';

const line = (hash: string, path: string) => `${hash.repeat(64).slice(0, 64)}  ${path}\n`;
const manifestA = line('a', 'mono-agent.js') + line('c', 'schema/001-core.surql');
const manifestB = line('b', 'mono-agent.js') + line('c', 'schema/001-core.surql');
const manifestM =
  line('b', 'mono-agent.js') + line('c', 'schema/001-core.surql') + line('d', 'schema/013-new.surql');
const rel = (version: string, manifest: string) => ({ id: releaseId(version, manifest), version, manifest });
const A = rel('1.0.0', manifestA);
const A2 = rel('1.0.0', manifestB); // the same version rebuilt with other content
const B = rel('1.0.1', manifestB);
const M = rel('1.1.0', manifestM); // brings a new migration

const nothing: Installed = {
  current: undefined,
  currentExists: false,
  currentVersion: undefined,
  previous: undefined,
  releases: [],
  unitSha: undefined,
  envSha: undefined,
  userExists: false,
  active: 'inactive',
  enabled: 'not-found',
  manifest: '',
  portTakenBy: undefined,
  snapshotFor: undefined,
  healthy: false,
};
const running = (r: typeof A, extra: Partial<Installed> = {}): Installed => ({
  ...nothing,
  current: r.id,
  currentExists: true,
  currentVersion: r.version,
  releases: [r.id],
  unitSha: 'unit-1',
  envSha: 'env-1',
  userExists: true,
  active: 'active',
  enabled: 'enabled',
  manifest: r.manifest,
  healthy: true,
  ...extra,
});
const env1 = { sha256: 'env-1' };
const env2 = { sha256: 'env-2' };
const unit1 = { sha256: 'unit-1' };
const unit2 = { sha256: 'unit-2' };

type Expect = Partial<DeployPlan>;
const cases: [string, Installed, typeof A, { sha256: string } | undefined, { sha256: string }, Expect][] = [
  [
    'first install: everything, and a failure stops the agent (nothing to return to)',
    nothing,
    A,
    env1,
    unit1,
    {
      kind: 'first-install',
      upload: true,
      secrets: 'write',
      unit: true,
      switch: true,
      restart: true,
      handOver: false,
      snapshot: false,
      onFailure: 'stop',
      rollback: [],
      removeOnFailure: true,
    },
  ],
  [
    'first install without secrets: an empty env file is created',
    nothing,
    A,
    undefined,
    unit1,
    { kind: 'first-install', secrets: 'create-empty' },
  ],
  [
    'same version, same content, healthy: nothing at all',
    running(A),
    A,
    env1,
    unit1,
    {
      kind: 'unchanged',
      upload: false,
      switch: false,
      restart: false,
      handOver: false,
      onFailure: 'leave',
      rollback: [],
    },
  ],
  [
    'same release installed but not healthy: restart only; a failure leaves it (never removes it)',
    running(A, { healthy: false, active: 'activating' }),
    A,
    env1,
    unit1,
    {
      kind: 'repair',
      upload: false,
      switch: false,
      restart: true,
      handOver: false,
      onFailure: 'leave',
      removeOnFailure: false,
    },
  ],
  [
    'same version, new content: another release in another directory; back to the running one on failure',
    running(A),
    A2,
    env1,
    unit1,
    {
      kind: 'update',
      release: A2.id,
      upload: true,
      reuseFrom: A.id,
      switch: true,
      // Only the release changes: the running agent hands the service over to it.
      handOver: true,
      previousAfter: A.id,
      onFailure: 'rollback',
      rollback: [{ release: A.id, config: 'keep', restoreData: false }],
      removeOnFailure: true,
    },
  ],
  [
    'an update of a release that is not running healthy: restarted, never handed over by it',
    running(A, { healthy: false, active: 'activating' }),
    B,
    env1,
    unit1,
    { kind: 'update', restart: true, handOver: false },
  ],
  [
    'new version: back to the running release, its old secrets kept for a second try',
    running(A, { previous: 'old', releases: [A.id, 'old'] }),
    B,
    env2,
    unit1,
    {
      kind: 'update',
      secrets: 'write',
      // New secrets: the new process must read them, so a restart.
      handOver: false,
      previousAfter: A.id,
      previousAfterRollback: 'old',
      rollback: [
        { release: A.id, config: 'keep', restoreData: false },
        { release: A.id, config: 'restore', restoreData: false },
      ],
    },
  ],
  [
    'new version with new migrations: the datastore is copied first and put back with the first way back',
    running(B, { snapshotFor: B.id }),
    M,
    env1,
    unit2,
    {
      kind: 'update',
      snapshot: true,
      unit: true,
      handOver: false,
      rollback: [
        { release: B.id, config: 'keep', restoreData: true },
        { release: B.id, config: 'restore', restoreData: false },
      ],
    },
  ],
  [
    'new secrets for the running release: restart; a failure puts the old ones back on the same release',
    running(A),
    A,
    env2,
    unit1,
    {
      kind: 'reconfigure',
      upload: false,
      switch: false,
      restart: true,
      handOver: false,
      onFailure: 'rollback',
      rollback: [{ release: A.id, config: 'restore', restoreData: false }],
      removeOnFailure: false,
    },
  ],
  [
    'rollback target missing: current names a release that is gone, so a failure has nothing to return to',
    { ...running(A), currentExists: false, releases: [] },
    B,
    env1,
    unit1,
    {
      kind: 'first-install',
      onFailure: 'stop',
      rollback: [],
      running: undefined,
      reuseFrom: undefined,
      handOver: false,
    },
  ],
  [
    'the new release is already on the VPS (it was previous): not uploaded again, never removed on failure',
    running(B, { previous: A.id, releases: [B.id, A.id] }),
    A,
    env1,
    unit1,
    {
      kind: 'update',
      upload: false,
      handOver: true,
      removeOnFailure: false,
      previousAfter: B.id,
      previousAfterRollback: A.id,
    },
  ],
];

describe('planDeploy', () => {
  for (const [name, installed, release, env, unit, expected] of cases)
    it(name, () => {
      const plan = planDeploy(installed, release, env, unit);
      for (const [key, value] of Object.entries(expected))
        assert.deepEqual(plan[key as keyof DeployPlan], value, `${key}: ${JSON.stringify(plan, null, 1)}`);
      // Whatever the case, the running release is never the one a failure removes.
      if (plan.running === plan.release) assert.equal(plan.removeOnFailure, false);
      // A host with a healthy release never ends without one: a failure goes back, or leaves it running.
      if (plan.running) assert.notEqual(plan.onFailure, 'stop');
    });

  it('a missing rollback target is said in the plan', () => {
    const plan = planDeploy({ ...running(A), currentExists: false, releases: [] }, B, env1, unit1);
    assert.match(plan.notes.join(), new RegExp(`${A.id.replace('+', '\\+')}\\) is missing`));
  });
});

describe('release identity', () => {
  it('a release is its version plus a hash of its content', () => {
    assert.match(A.id, /^1\.0\.0\+[0-9a-f]{12}$/);
    assert.notEqual(A.id, A2.id, 'the same version rebuilt is another release');
    assert.equal(releaseId('1.0.0', manifestA), A.id, 'and the same content is the same release');
    assert.equal(versionOf(A.id), '1.0.0');
    assert.equal(versionOf('0.9.0'), '0.9.0', 'a directory from before content hashes is its version');
  });

  it('new schema files are the migrations a release would run', () => {
    assert.deepEqual(newSchemaFiles(manifestB, manifestM), ['schema/013-new.surql']);
    assert.deepEqual(newSchemaFiles(manifestA, manifestB), []);
    assert.deepEqual(newSchemaFiles('', manifestA), ['schema/001-core.surql']);
  });
});
