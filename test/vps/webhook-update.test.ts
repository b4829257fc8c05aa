// Webhooks keep arriving while an update and a rollback switch releases: none is refused, each delivered one is
// answered exactly once. The agent first runs on 127.0.0.1 and is then moved to its public address by a deploy
// (new secrets, so the socket unit's address changes): systemd must hold the new port from then on, or the next
// restart closes it between the two releases.
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DeployOptions, deploy, rollback } from '../../src-main/provision/index.ts';
import { type AgentFakes, startAgentFakes } from './agent-fakes.ts';
import {
  buildRelease,
  createTestKey,
  removeBuilds,
  startMirror,
  type TestKey,
  tempMonoHome,
  Vps,
} from './harness.ts';
import { describeRefused, WEBHOOK_ENV, type WebhookTraffic, webhooksDuring } from './webhook-traffic.ts';

/** One delivery after another, this far apart: a few hundred through the update and the rollback. */
const EVERY_MS = 80;

describe('webhooks during an update and a rollback', { timeout: 900_000 }, () => {
  let key: TestKey;
  let vps: Vps;
  let fakes: AgentFakes;
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  let home: string;
  let base: Omit<DeployOptions, 'releaseDir' | 'envFile'>;

  before(async () => {
    key = await createTestKey();
    home = await tempMonoHome();
    vps = await Vps.boot(key);
    mirror = await startMirror(vps.hostIp);
    fakes = await startAgentFakes(vps.hostIp);
    base = {
      target: {
        host: vps.host,
        identity: key.identity,
        knownHostsPath: join(home, 'known_hosts'),
        acceptNewHostKey: true,
      },
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      // The bake is not what this test is about: a short one keeps the deliveries to a few hundred.
      bakeMs: 3000,
    };
  });
  after(async () => {
    await fakes?.close().catch(() => {});
    await mirror?.close().catch(() => {});
    await vps?.stop();
    await rm(home, { recursive: true, force: true });
    if (key) await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  });

  /** Who listens on the agent's port on the VPS (ss's users: list). */
  const listeners = async () => vps.must(`ss -Hltnp 'sport = :7420'`);

  const assertAllAnswered = (what: string, traffic: WebhookTraffic) => {
    assert.ok(traffic.sent >= 50, `${what}: ${traffic.sent} deliveries made`);
    assert.equal(describeRefused(traffic), '0', `${what}: deliveries refused of ${traffic.sent}`);
    assert.equal(traffic.lost, 0, `${what}: delivered but never answered`);
    assert.equal(traffic.twice, 0, `${what}: answered twice`);
  };

  it('an update and a rollback refuse no delivery, after the agent moved to its public address', async () => {
    const [first, second, third] = await Promise.all(['1.0.0', '1.0.1', '1.0.2'].map((v) => buildRelease(v)));
    const local = await fakes.writeEnvFile(home);
    await deploy({ ...base, releaseDir: first!, envFile: local });
    assert.match(await listeners(), /127\.0\.0\.1:7420 .*"systemd",pid=1,/);

    const webhookHome = join(home, 'webhook');
    await mkdir(webhookHome);
    const publicEnv = await fakes.writeEnvFile(webhookHome, WEBHOOK_ENV);
    await deploy({ ...base, releaseDir: second!, envFile: publicEnv });
    const held = await listeners();

    const url = `http://${vps.host}:7420/telegram`;
    const update = await webhooksDuring(
      fakes,
      url,
      40_000,
      () => deploy({ ...base, releaseDir: third!, envFile: publicEnv }),
      EVERY_MS,
    );
    assertAllAnswered('update', update);
    // Why: systemd, not the agent alone, holds the public port, so it stays open while the agent restarts.
    assert.match(held, /0\.0\.0\.0:7420 .*"systemd",pid=1,/);
    const back = await webhooksDuring(
      fakes,
      url,
      50_000,
      () => rollback({ target: base.target, bakeMs: 3000 }),
      EVERY_MS,
    );
    assertAllAnswered('rollback', back);
    assert.match(await vps.must('readlink /opt/mono/current'), /releases\/1\.0\.1\+/);
    // For the record in the test's output: how long the switch kept replies waiting.
    console.log(
      `webhooks: update ${update.sent} sent, longest reply gap ${update.gapMs} ms, slowest delivery ${update.slowestMs} ms; rollback ${back.sent} sent, gap ${back.gapMs} ms`,
    );
  });
});
