// Install or update MONO on one VPS: the step sequence of DESIGN.md, with the health gate and automatic rollback.
import { createHash, randomBytes } from 'node:crypto';
import type { Secret } from '../../agent-core/config/secret.ts';
import { progressStream } from '../ssh/executor.ts';
import { type Installed, inspectCommand, toInstalled } from './commands/inspect.ts';
import {
  checkNodeSource,
  expectedNodeSha256,
  installNodeCommand,
  NODE_EXIT,
} from './commands/node-runtime.ts';
import { prepareCommand } from './commands/prepare.ts';
import { pruneCommand, switchCommand, uploadReleaseCommand } from './commands/release.ts';
import { ensureSecretsFileCommand, writeSecretsCommand } from './commands/secrets.ts';
import { installUnitCommand, restartCommand, unitText } from './commands/systemd.ts';
import { connectStep, preflightStep, type Target, targetName } from './connect.ts';
import { type AgentEnv, parseAgentEnv, readAgentEnv } from './env-file.ts';
import { ProvisionError } from './errors.ts';
import { type Health, probeHealth } from './health.ts';
import { healthGate } from './health-gate.ts';
import { acquireHostLock, type HeldLock, heartbeat, releaseHostLock } from './host-lock.ts';
import {
  DEFAULT_HTTP_PORT,
  DEFAULT_NODE_MIRROR,
  DEFAULT_NODE_VERSION,
  KEEP_RELEASES,
  LAYOUT,
} from './layout.ts';
import { DEPLOY_STEPS, type ProgressListener, StepReporter } from './progress.ts';
import { type LocalRelease, readLocalRelease, releaseArchive, reusablePaths } from './release.ts';
import type { Session } from './session.ts';

export interface DeployOptions {
  target: Target;
  /** The agent build to deploy (agent-core/dist or `node agent-core/build.mjs --out DIR`). */
  releaseDir: string;
  /** The agent's secrets: a KEY=value file path, or its content (the desktop keeps it in safeStorage). */
  envFile?: string;
  env?: Secret;
  /** Where the VPS downloads Node when it has none (https only). */
  nodeMirror?: string;
  nodeVersion?: string;
  /** The Node tarball's SHA-256, required for a version MONO does not pin itself (overrides the pin). */
  nodeSha256?: string;
  /** The agent's memory ceiling in MB (systemd MemoryMax). */
  memoryMaxMb?: number;
  /** Per-step limits in ms replacing the commands' own (e.g. `{ node: 1_800_000 }` on a very slow link). */
  timeouts?: Partial<Record<string, number>>;
  /** How long /healthz may take to report the new version (30 s). */
  healthTimeoutMs?: number;
  /** How long to wait for another deploy's lock (0: fail at once with LockedError). */
  lockTimeoutMs?: number;
  keepReleases?: number;
  onProgress?: ProgressListener;
  /** Cancels between steps until the switch (after it, the deploy finishes through its health check). */
  signal?: AbortSignal;
}

export interface DeployResult {
  host: string;
  version: string;
  previousVersion?: string;
  /** False when the host already ran this exact release with this configuration. */
  changed: boolean;
  nodeInstalled: boolean;
  uploadedBytes: number;
  securityScore?: string;
  health?: Health;
  durationMs: number;
}

export async function deploy(o: DeployOptions): Promise<DeployResult> {
  const started = performance.now();
  const reporter = new StepReporter(targetName(o.target), DEPLOY_STEPS, o.onProgress);
  // Secrets are read and checked before connecting: a typo fails before anything changes on the VPS.
  let env: AgentEnv | undefined;
  try {
    env = o.envFile
      ? await readAgentEnv(o.envFile)
      : o.env
        ? parseAgentEnv(o.env.reveal(), 'the secrets')
        : undefined;
    checkNodeSource(o.nodeMirror ?? DEFAULT_NODE_MIRROR, o.nodeVersion ?? DEFAULT_NODE_VERSION, o.nodeSha256);
  } catch (error) {
    throw reporter.fail(error, 'secrets');
  }
  const session = await connectStep(o.target, reporter);
  let lock: HeldLock | undefined;
  try {
    if (env) session.addSecrets(env.values);
    session.timeouts = { ...o.timeouts };
    const facts = await preflightStep(session, reporter);
    const release = await readLocalRelease(o.releaseDir, facts.nodeArch!).catch((error) => {
      throw reporter.fail(error, 'upload');
    });
    lock = await reporter.run(
      'lock',
      `Taking the deploy lock (${LAYOUT.lockDir})`,
      () =>
        acquireHostLock(session, {
          timeoutMs: o.lockTimeoutMs,
          signal: o.signal,
          onWait: (owner) => reporter.emit('lock', 'start', `Waiting for the deploy lock held by ${owner}`),
        }),
      (l) => (l.tookOverFrom ? `Lock taken (a stale lock of ${l.tookOverFrom} was replaced)` : 'Lock taken'),
    );
    const installed = await reporter.run(
      'inspect',
      'Reading what is installed',
      async () => {
        const port = env?.httpPort ?? DEFAULT_HTTP_PORT;
        const r = await session.run(inspectCommand(port));
        const i = toInstalled(r.stdout, r.facts);
        if (i.portTakenBy)
          throw new ProvisionError(
            'inspect',
            `port ${port} on the VPS is taken by another program (${i.portTakenBy}); the agent's health check listens there`,
            'Stop that program, or give the agent another port with MONO_HTTP_PORT=… in the env file.',
            { host: session.name },
          );
        // The secrets kept on the VPS must not show up in the log lines a failed health check quotes.
        if (!env && i.envSha) await session.redactRemoteSecrets('inspect');
        return i;
      },
      (i) => (i.current ? `Installed: ${i.current} (${i.active})` : 'Nothing installed yet'),
    );
    const result = await deployLocked(session, reporter, o, release, env, facts.node, installed, lock);
    return { ...result, durationMs: Math.round(performance.now() - started) };
  } finally {
    if (lock) {
      const held = lock;
      await reporter
        .run('unlock', 'Releasing the deploy lock', () => releaseHostLock(session, held))
        .catch(() => {});
    }
    session.close();
  }
}

async function deployLocked(
  session: Session,
  reporter: StepReporter,
  o: DeployOptions,
  release: LocalRelease,
  env: AgentEnv | undefined,
  existingNode: { path: string; version: string } | undefined,
  installed: Installed,
  lock: HeldLock,
): Promise<Omit<DeployResult, 'durationMs'>> {
  const version = release.version;
  const port = env?.httpPort ?? DEFAULT_HTTP_PORT;
  const nodePath = existingNode?.path ?? `${LAYOUT.nodeDir}/bin/node`;
  const unit = unitText({ nodePath, httpPort: port, memoryMaxMb: o.memoryMaxMb });
  const unitSha = sha256(unit);
  const sameRelease = installed.current === version && installed.manifest === release.manifest;
  const changes = {
    files: !sameRelease,
    secrets: env ? installed.envSha !== env.sha256 : !installed.envSha,
    unit: installed.unitSha !== unitSha,
    switch: installed.current !== version,
  };
  const result: Omit<DeployResult, 'durationMs'> = {
    host: reporter.host,
    version,
    previousVersion: installed.current,
    changed: true,
    nodeInstalled: false,
    uploadedBytes: 0,
  };

  // Idempotence: the same release, unit and secrets, running and healthy → touch nothing.
  if (!changes.files && !changes.secrets && !changes.unit && installed.active === 'active') {
    const probe = await probeHealth(session, port);
    if (probe.health?.version === version && !probe.problem) {
      for (const step of ['prepare', 'node', 'upload', 'secrets', 'unit', 'switch', 'restart'])
        reporter.skip(step, `already at ${version}`);
      reporter.emit('health', 'ok', `Healthy: ${version}`, { detail: { ...probe.health } });
      reporter.skip('prune', 'nothing to prune');
      return { ...result, changed: false, health: probe.health };
    }
  }

  cancelPoint(reporter, o.signal, 'prepare');
  await reporter.run('prepare', `Creating the ${LAYOUT.user} user and directories`, () =>
    session.run(prepareCommand()),
  );

  cancelPoint(reporter, o.signal, 'node');
  if (existingNode) reporter.skip('node', `Using Node ${existingNode.version} at ${existingNode.path}`);
  else {
    await heartbeat(session, lock);
    const nodeVersion = o.nodeVersion ?? DEFAULT_NODE_VERSION;
    const mirror = o.nodeMirror ?? DEFAULT_NODE_MIRROR;
    await reporter.run(
      'node',
      `Installing Node v${nodeVersion.replace(/^v/, '')} from ${mirror}`,
      async () => {
        const r = await session.run(
          installNodeCommand({
            mirror,
            version: nodeVersion,
            arch: release.arch,
            sha256: expectedNodeSha256(nodeVersion, release.arch, o.nodeSha256),
          }),
          { allowFailure: true, onStdout: downloadProgress(reporter, nodeVersion) },
        );
        if (r.code !== 0) throw nodeInstallError(r.code, r.stderr.trim(), mirror, session.name);
      },
    );
    result.nodeInstalled = true;
  }

  cancelPoint(reporter, o.signal, 'upload');
  if (!changes.files) reporter.skip('upload', `Release ${version} is already on the VPS`);
  else {
    await heartbeat(session, lock);
    const reuse = installed.current ? reusablePaths(release, installed.manifest) : [];
    const upload = release.files.filter((f) => !reuse.includes(f.path));
    await reporter.run(
      'upload',
      `Uploading release ${version} (${upload.length} of ${release.files.length} files)`,
      async (note) => {
        const archive = await releaseArchive(release, upload);
        result.uploadedBytes = archive.length;
        note({ bytes: archive.length, files: upload.length, reused: reuse.length });
        await session.run(
          uploadReleaseCommand({
            version,
            nonce: randomBytes(4).toString('hex'),
            reuseFrom: installed.current,
            reuse,
          }),
          {
            stdin: progressStream(archive, uploadProgress(reporter, version)),
            // A minute, plus the time the archive takes at 50 kB/s: a stalled upload fails, a slow one does not.
            timeoutMs: 60_000 + Math.ceil(archive.length / 50),
            hint: 'The upload was discarded and nothing was switched. Check free disk space on the VPS and deploy again.',
          },
        );
      },
      () =>
        `Release ${version} uploaded and verified (${(result.uploadedBytes / 1048576).toFixed(1)} MB sent)`,
    );
  }

  cancelPoint(reporter, o.signal, 'secrets');
  if (env && changes.secrets)
    await reporter.run('secrets', `Writing ${LAYOUT.envFile} (0600, ${env.keys.length} settings)`, () =>
      session.run(writeSecretsCommand(), { stdin: env.content }),
    );
  else if (!env && !installed.envSha)
    await reporter.run('secrets', `Creating an empty ${LAYOUT.envFile} (no --env-file given)`, () =>
      session.run(ensureSecretsFileCommand()),
    );
  else reporter.skip('secrets', env ? 'Secrets unchanged' : 'Keeping the secrets already on the VPS');

  cancelPoint(reporter, o.signal, 'unit');
  if (!changes.unit) reporter.skip('unit', `${LAYOUT.unitName} unchanged`);
  else
    await reporter.run(
      'unit',
      `Installing ${LAYOUT.unitName}`,
      async (note) => {
        const r = await session.run(installUnitCommand(), {
          stdin: unit,
          hint: 'systemd rejected the unit (see the verify lines); please report this with the output.',
        });
        result.securityScore = r.facts.score || undefined;
        const warnings = r.stdout.split('\n').filter((l) => l.startsWith('verify:'));
        note({ security: result.securityScore, verify_warnings: warnings.length });
      },
      () =>
        `${LAYOUT.unitName} installed and enabled (systemd-analyze security: ${result.securityScore ?? 'n/a'})`,
    );

  const previous =
    installed.current && installed.current !== version ? installed.current : installed.previous;
  cancelPoint(reporter, o.signal, 'switch');
  if (!changes.switch) reporter.skip('switch', `current is already ${version}`);
  else
    await reporter.run('switch', `Switching current → ${version}`, () =>
      session.run(switchCommand({ current: version, previous })),
    );

  const restarted = await reporter.run(`restart`, `Restarting ${LAYOUT.unitName}`, async () => {
    const r = await session.run(restartCommand(), {
      hint: `systemd could not start the agent; see "mono logs ${session.name}".`,
    });
    return Number(r.facts.NRestarts ?? 0);
  });

  // Going back to `previous` keeps the release before it as the new previous (so `mono rollback` still works).
  const before =
    installed.previous !== version && installed.previous !== previous ? installed.previous : undefined;
  const outcome = await healthGate(session, reporter, {
    version,
    port,
    timeoutMs: o.healthTimeoutMs ?? 30_000,
    baseRestarts: restarted,
    previous,
    before,
  });
  result.health = outcome;

  await reporter.run(
    'prune',
    `Removing old releases (keeping ${o.keepReleases ?? KEEP_RELEASES})`,
    async () => {
      const r = await session.run(pruneCommand(o.keepReleases ?? KEEP_RELEASES));
      return r.stdout
        .split('\n')
        .filter((l) => l.startsWith('removed='))
        .map((l) => l.slice(8));
    },
    (removed) => (removed.length ? `Removed ${removed.join(', ')}` : 'Nothing to prune'),
  );
  return result;
}

/**
 * Cancelling (Ctrl-C in the CLI, a button in the desktop) takes effect between steps up to the switch; once the
 * new release is current, the deploy runs to its health check so the host is never left unverified.
 */
function cancelPoint(reporter: StepReporter, signal: AbortSignal | undefined, step: string): void {
  if (!signal?.aborted) return;
  throw reporter.fail(
    new ProvisionError(
      step,
      'cancelled before this step',
      'Nothing was switched: the running release is unchanged. Deploy again when ready.',
      { host: reporter.host },
    ),
    step,
  );
}

function nodeInstallError(code: number | null, stderr: string, mirror: string, host: string): ProvisionError {
  const hint =
    code === NODE_EXIT.download
      ? `Check that the VPS can reach ${mirror} (or pass --node-mirror with a reachable mirror).`
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
function uploadProgress(reporter: StepReporter, version: string): (sent: number, total: number) => void {
  let shown = 0;
  let last = 0;
  return (sent, total) => {
    const percent = Math.floor((sent / total) * 100);
    // A few events per upload, not one per chunk: every 10 % or every half second.
    if (percent < 100 && percent - shown < 10 && performance.now() - last < 500) return;
    shown = percent;
    last = performance.now();
    const mb = (n: number) => (n / 1048576).toFixed(1);
    reporter.emit('upload', 'start', `Uploading release ${version}: ${mb(sent)} of ${mb(total)} MB`, {
      detail: { bytes_sent: sent, bytes_total: total },
    });
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
