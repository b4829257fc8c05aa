// The deploy's named steps, each a function over the plan: what it does is decided in plan.ts, not here.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { progressStream } from '../ssh/executor.ts';
import { armGuardCommand, disarmGuardCommand, type GuardSpec, guardScript } from './commands/deploy-guard.ts';
import { expectedNodeSha256, installNodeCommand, NODE_EXIT } from './commands/node-runtime.ts';
import { prepareCommand } from './commands/prepare.ts';
import { backupConfigCommand, forgetSnapshotCommand, snapshotCommand } from './commands/recovery.ts';
import { pruneCommand, switchCommand, uploadReleaseCommand } from './commands/release.ts';
import { ensureSecretsFileCommand, writeSecretsCommand } from './commands/secrets.ts';
import { installUnitCommand, restartCommand } from './commands/systemd.ts';
import type { UnitFiles } from './commands/unit-files.ts';
import type { AgentEnv } from './env-file.ts';
import { ProvisionError } from './errors.ts';
import type { Health } from './health.ts';
import { type HeldLock, heartbeat } from './host-lock.ts';
import { DEFAULT_NODE_MIRROR, DEFAULT_NODE_VERSION, KEEP_RELEASES, LAYOUT } from './layout.ts';
import { NodeTarballs } from './node-tarball.ts';
import type { DeployPlan, Installed } from './plan.ts';
import type { StepReporter } from './progress.ts';
import { type LocalRelease, type ReleaseSource, reusablePaths } from './release.ts';
import type { Session } from './session.ts';

export interface DeployContext {
  session: Session;
  reporter: StepReporter;
  source: ReleaseSource;
  release: LocalRelease;
  env: AgentEnv | undefined;
  installed: Installed;
  plan: DeployPlan;
  unit: UnitFiles;
  lock: HeldLock;
  existingNode: { path: string; version: string } | undefined;
  /** What the VPS does by itself if this deploy never comes back after its switch (none for a first install). */
  guard: (GuardSpec & { healthTimeoutMs: number; bakeMs: number }) | undefined;
  options: {
    nodeMirror?: string;
    nodeVersion?: string;
    nodeSha256?: string;
    nodeVia?: 'hosts' | 'controller';
    nodeMirrorCa?: string;
    nodeTarballs?: NodeTarballs;
    keepReleases?: number;
    signal?: AbortSignal;
    onBake?: () => void;
  };
  /** What the steps found out, for the result. */
  out: {
    nodeInstalled: boolean;
    uploadedBytes: number;
    securityScore?: string;
    restarts?: number;
    health?: Health;
    configBackedUp?: boolean;
    guardArmed?: boolean;
  };
}

export type DeployStep = (ctx: DeployContext) => Promise<void>;

/**
 * Cancelling (Ctrl-C in the CLI, a button in the desktop) takes effect between steps up to the switch; once the
 * new release is current, the deploy runs to its health check so the host is never left unverified.
 */
export function cancelPoint(ctx: DeployContext, step: string): void {
  if (!ctx.options.signal?.aborted) return;
  throw ctx.reporter.fail(
    new ProvisionError(
      step,
      'cancelled before this step',
      'Nothing was switched: the running release is unchanged. Deploy again when ready.',
      { host: ctx.reporter.host },
    ),
    step,
  );
}

export const prepare: DeployStep = async ({ session, reporter }) => {
  await reporter.run('prepare', `Creating the ${LAYOUT.user} user and directories`, () =>
    session.run(prepareCommand()),
  );
};

export const node: DeployStep = async (ctx) => {
  const { session, reporter, existingNode, release, options } = ctx;
  if (existingNode) {
    reporter.skip('node', `Using Node ${existingNode.version} at ${existingNode.path}`);
    return;
  }
  await heartbeat(session, ctx.lock);
  const version = options.nodeVersion ?? DEFAULT_NODE_VERSION;
  const mirror = options.nodeMirror ?? DEFAULT_NODE_MIRROR;
  const sha256 = expectedNodeSha256(version, release.arch, options.nodeSha256);
  if (options.nodeVia === 'controller' || options.nodeTarballs) {
    const tarballs =
      options.nodeTarballs ??
      new NodeTarballs({ mirror, version, sha256: options.nodeSha256, ca: options.nodeMirrorCa });
    await reporter.run(
      'node',
      `Installing Node v${version.replace(/^v/, '')} (sent from this machine)`,
      async () => {
        const tarball = await tarballs.get(release.arch);
        const sent = await session.run(
          installNodeCommand({ mirror, version, arch: release.arch, sha256, source: 'stdin' }),
          {
            allowFailure: true,
            stdin: progressStream(createReadStream(tarball.path), tarball.size, () => {}),
            timeoutMs: 120_000 + Math.ceil(tarball.size / 50),
          },
        );
        if (sent.code !== 0) throw nodeInstallError(sent.code, sent.stderr.trim(), mirror, session.name);
      },
    );
  } else
    await reporter.run('node', `Installing Node v${version.replace(/^v/, '')} from ${mirror}`, async () => {
      const install = await session.run(installNodeCommand({ mirror, version, arch: release.arch, sha256 }), {
        allowFailure: true,
        onStdout: downloadProgress(reporter, version),
      });
      if (install.code !== 0)
        throw nodeInstallError(install.code, install.stderr.trim(), mirror, session.name);
    });
  ctx.out.nodeInstalled = true;
};

export const upload: DeployStep = async (ctx) => {
  const { session, reporter, release, plan } = ctx;
  if (!plan.upload) {
    reporter.skip('upload', `Release ${plan.release} is already on the VPS`);
    return;
  }
  await heartbeat(session, ctx.lock);
  const reuse = plan.reuseFrom ? reusablePaths(release, ctx.installed.manifest) : [];
  const files = release.files.filter((f) => !reuse.includes(f.path));
  await reporter.run(
    'upload',
    `Uploading release ${plan.release} (${files.length} of ${release.files.length} files)`,
    async (note) => {
      const archive = await ctx.source.archive(release, files);
      ctx.out.uploadedBytes = archive.bytes;
      note({ bytes: archive.bytes, files: files.length, reused: reuse.length });
      await session.run(
        uploadReleaseCommand({
          version: plan.release,
          nonce: randomBytes(4).toString('hex'),
          reuseFrom: plan.reuseFrom,
          reuse,
        }),
        {
          stdin: progressStream(
            createReadStream(archive.path),
            archive.bytes,
            uploadProgress(reporter, plan.release),
          ),
          // A minute, plus the time the archive takes at 50 kB/s: a stalled upload fails, a slow one does not.
          timeoutMs: 60_000 + Math.ceil(archive.bytes / 50),
          hint: 'The upload was discarded and nothing was switched. Check free disk space on the VPS and deploy again.',
        },
      );
    },
    () =>
      `Release ${plan.release} uploaded and verified (${(ctx.out.uploadedBytes / 1048576).toFixed(1)} MB sent)`,
  );
};

/** Before the secrets or the unit change, the ones in use are kept: a rollback may need them back. */
async function backupConfig(ctx: DeployContext): Promise<void> {
  if (ctx.out.configBackedUp || !ctx.plan.running) return;
  await ctx.session.run(backupConfigCommand());
  ctx.out.configBackedUp = true;
}

export const secrets: DeployStep = async (ctx) => {
  const { session, reporter, plan, env } = ctx;
  if (plan.secrets === 'keep') {
    reporter.skip('secrets', env ? 'Secrets unchanged' : 'Keeping the secrets already on the VPS');
    return;
  }
  if (plan.secrets === 'create-empty') {
    await reporter.run('secrets', `Creating an empty ${LAYOUT.envFile} (no --env-file given)`, () =>
      session.run(ensureSecretsFileCommand()),
    );
    return;
  }
  await reporter.run(
    'secrets',
    `Writing ${LAYOUT.envFile} (0600, ${env!.keys.length} settings)`,
    async () => {
      await backupConfig(ctx);
      await session.run(writeSecretsCommand(), { stdin: env!.content });
    },
  );
};

export const unit: DeployStep = async (ctx) => {
  const { session, reporter, plan } = ctx;
  if (!plan.unit) {
    reporter.skip('unit', `${LAYOUT.unitName} unchanged`);
    return;
  }
  await reporter.run(
    'unit',
    `Installing ${LAYOUT.unitName}${ctx.unit.socket ? ` and ${LAYOUT.socketName}` : ''}`,
    async (note) => {
      await backupConfig(ctx);
      const unit = await session.run(installUnitCommand(), {
        stdin: ctx.unit.stdin,
        hint: 'systemd rejected the unit (see the verify lines); please report this with the output.',
      });
      ctx.out.securityScore = unit.facts.score || undefined;
      const warnings = unit.stdout.split('\n').filter((l) => l.startsWith('verify:'));
      note({ security: ctx.out.securityScore, verify_warnings: warnings.length });
    },
    () =>
      `${LAYOUT.unitName} installed and enabled (systemd-analyze security: ${ctx.out.securityScore ?? 'n/a'})`,
  );
};

/**
 * Before anything stops or switches, the VPS is told what to do if this deploy never comes back: going back is
 * then not up to a controller that may have lost its connection. Long enough for the copy and the restart.
 */
export const armGuard: DeployStep = async (ctx) => {
  if (!ctx.guard) return;
  const afterS = (ctx.plan.snapshot ? 900 : 0) + 120;
  await ctx.session.run(armGuardCommand(afterS), { stdin: guardScript(ctx.guard) });
  ctx.out.guardArmed = true;
};

/** As the new release is started: the guard's deadline becomes the gate's (its timeout and bake) plus slack. */
export const rearmGuard: DeployStep = async (ctx) => {
  if (!ctx.guard) return;
  const afterS = (ctx.guard.healthTimeoutMs + ctx.guard.bakeMs) / 1000 + 30;
  await ctx.session.run(armGuardCommand(afterS), { stdin: guardScript(ctx.guard) });
};

/** The deploy is back with a verdict: the guard stands down (it says whether it had already acted). */
export async function disarmGuard(ctx: DeployContext): Promise<boolean> {
  if (!ctx.out.guardArmed) return false;
  const disarm = await ctx.session.run(disarmGuardCommand());
  ctx.out.guardArmed = false;
  return disarm.facts.fired === '1';
}

export const snapshot: DeployStep = async ({ session, reporter, plan }) => {
  if (!plan.snapshot) {
    reporter.skip('snapshot', 'No new schema migrations: no datastore copy needed');
    return;
  }
  await reporter.run(
    'snapshot',
    `Copying the datastore before ${plan.release}'s migrations run (the agent stops meanwhile)`,
    async (note) => {
      const copied = await session.run(snapshotCommand({ before: plan.release, from: plan.running! }));
      note({ bytes: Number(copied.facts.snapshot_bytes ?? 0) });
    },
    () => `Datastore copied to ${LAYOUT.snapshotDir} (restored if ${plan.release} fails)`,
  );
};

export const switchRelease: DeployStep = async ({ session, reporter, plan }) => {
  if (!plan.switch) {
    reporter.skip('switch', `current is already ${plan.release}`);
    return;
  }
  await reporter.run('switch', `Switching current → ${plan.release}`, () =>
    session.run(switchCommand({ current: plan.release, previous: plan.previousAfter })),
  );
};

export const restart: DeployStep = async (ctx) => {
  const { session, reporter } = ctx;
  const what = ctx.plan.handOver
    ? `Handing ${LAYOUT.unitName} over to ${ctx.plan.release} (a restart if the running agent cannot)`
    : `Restarting ${LAYOUT.unitName}`;
  ctx.out.restarts = await reporter.run(`restart`, what, async (note) => {
    const restarted = await session.run(restartCommand('restart', { handOver: ctx.plan.handOver }), {
      hint: `systemd could not start the agent; see "mono logs ${session.name}".`,
    });
    // done: the running agent handed over; refused: the new release failed before it stopped, so a restart.
    if (ctx.plan.handOver) note({ handover: restarted.facts.handover ?? 'not offered' });
    return Number(restarted.facts.NRestarts ?? 0);
  });
};

export const prune: DeployStep = async (ctx) => {
  const { session, reporter, plan, installed } = ctx;
  const keep = ctx.options.keepReleases ?? KEEP_RELEASES;
  await reporter.run(
    'prune',
    `Removing old releases (keeping ${keep})`,
    async () => {
      // A snapshot is kept until the next successful update that needs none.
      if (!plan.snapshot && installed.snapshotFor && plan.kind === 'update')
        await session.run(forgetSnapshotCommand());
      const pruned = await session.run(pruneCommand(keep));
      return pruned.stdout
        .split('\n')
        .filter((l) => l.startsWith('removed='))
        .map((l) => l.slice(8));
    },
    (removed) => (removed.length ? `Removed ${removed.join(', ')}` : 'Nothing to prune'),
  );
};

function nodeInstallError(code: number | null, stderr: string, mirror: string, host: string): ProvisionError {
  const hint =
    code === NODE_EXIT.download
      ? `Check that the VPS can reach ${mirror} over https (or pass --node-mirror with a reachable mirror).`
      : code === NODE_EXIT.mismatch
        ? 'The download is not the Node release MONO expects (its SHA-256 differs): the mirror is broken or tampered with. Use another --node-mirror, or pass --node-sha256 if you checked this build yourself.'
        : 'Install Node ≥ 20.12 on the VPS yourself, or check free disk space and deploy again.';
  return new ProvisionError('node', stderr.split('\n').slice(-3).join(' ') || `exit ${code}`, hint, { host });
}

/** Download progress (the VPS prints `progress=<bytes>` every second) as repeated `start` events of the node step. */
function downloadProgress(reporter: StepReporter, version: string): (chunk: Buffer) => void {
  return (chunk) => {
    const bytes = /progress=(\d+)\s*$/.exec(chunk.toString('utf8'))?.[1];
    if (bytes === undefined) return;
    reporter.emit(
      'node',
      'start',
      `Downloading Node v${version}: ${(Number(bytes) / 1048576).toFixed(1)} MB`,
      {
        detail: { bytes_received: Number(bytes) },
      },
    );
  };
}

/** Upload progress as repeated `start` events of the upload step (a bar redraws; the desktop shows the text). */
function uploadProgress(reporter: StepReporter, release: string): (sent: number, total: number) => void {
  let shown = 0;
  let last = 0;
  return (sent, total) => {
    const percent = Math.floor((sent / total) * 100);
    // A few events per upload, not one per chunk: every 10 % or every half second.
    if (percent < 100 && percent - shown < 10 && performance.now() - last < 500) return;
    shown = percent;
    last = performance.now();
    const mb = (n: number) => (n / 1048576).toFixed(1);
    reporter.emit('upload', 'start', `Uploading release ${release}: ${mb(sent)} of ${mb(total)} MB`, {
      detail: { bytes_sent: sent, bytes_total: total },
    });
  };
}
