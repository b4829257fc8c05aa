// Install or update MONO on one VPS: check the inputs, look at the host, plan (plan.ts), then run the named steps
// over the plan. Once the new release is switched in it must pass the health gate and its bake; if it does
// not, the host goes back as the plan says (recover.ts) and the deploy fails saying what failed and where it is.
import type { Secret } from '../../agent-core/config/secret.ts';
import { inspectCommand, toInstalled } from './commands/inspect.ts';
import { checkNodeSource } from './commands/node-runtime.ts';
import { restoreConfigCommand } from './commands/recovery.ts';
import { type UnitFiles, unitFiles } from './commands/unit-files.ts';
import { connectStep, preflightStep, type Target, targetName } from './connect.ts';
import {
  armGuard,
  cancelPoint,
  type DeployContext,
  type DeployStep,
  disarmGuard,
  node,
  prepare,
  prune,
  rearmGuard,
  restart,
  secrets,
  snapshot,
  switchRelease,
  unit,
  upload,
} from './deploy-steps.ts';
import { type AgentEnv, parseAgentEnv, readAgentEnv } from './env-file.ts';
import { asProvisionError, HealthCheckError, ProvisionError } from './errors.ts';
import { gate } from './gate.ts';
import { type Health, probeHealth } from './health.ts';
import { acquireHostLock, type HeldLock, releaseHostLock } from './host-lock.ts';
import { DEFAULT_HTTP_PORT, DEFAULT_NODE_MIRROR, DEFAULT_NODE_VERSION, LAYOUT } from './layout.ts';
import type { NodeTarballs } from './node-tarball.ts';
import { type DeployPlan, type Installed, planDeploy } from './plan.ts';
import { DEPLOY_STEPS, type ProgressListener, StepReporter } from './progress.ts';
import { type GateSettings, lastLogLines, recoverDeploy, type Stage } from './recover.ts';
import { type LocalRelease, ReleaseSource, versionOf } from './release.ts';
import type { Session } from './session.ts';

export interface DeployOptions {
  target: Target;
  /** The agent build to deploy (agent-core/dist or `node agent-core/build.mjs --out DIR`). */
  releaseDir: string;
  /** The build, read once and shared by many deploys (a fleet); otherwise read from releaseDir. */
  source?: ReleaseSource;
  /** The agent's secrets: a KEY=value file path, or its content as a person writes it. */
  envFile?: string;
  env?: Secret;
  /** The agent's settings already built (the desktop's vault, through agentEnvFrom): used exactly as they are. */
  agentEnv?: AgentEnv;
  /** Where the VPS downloads Node when it has none (https only). */
  nodeMirror?: string;
  nodeVersion?: string;
  /** The Node tarball's SHA-256, required for a version MONO does not pin itself (overrides the pin). */
  nodeSha256?: string;
  /**
   * hosts: a VPS without Node downloads it from nodeMirror itself; controller: this machine downloads it once
   * (or takes it from its cache) and uploads it. Either way the hash is checked before it is unpacked.
   */
  nodeVia?: 'hosts' | 'controller';
  /** A private Node mirror's certificate authority (PEM), for the controller's download. */
  nodeMirrorCa?: string;
  /** The tarballs a fleet fetched once for all its hosts (controller mode). */
  nodeTarballs?: NodeTarballs;
  /** The agent's memory ceiling in MB (systemd MemoryMax). */
  memoryMaxMb?: number;
  /** Per-step limits in ms replacing the commands' own (e.g. `{ node: 1_800_000 }` on a very slow link). */
  timeouts?: Partial<Record<string, number>>;
  /** How long /healthz may take to report the new release healthy (30 s). */
  healthTimeoutMs?: number;
  /** How long the new release must then stay healthy before the deploy counts it (the bake; 10 s). */
  bakeMs?: number;
  /** Called when the new release first answers healthy and its bake begins (a fleet frees the host's lane). */
  onBake?: () => void;
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
  /** The release on the VPS: version+content hash (a rebuild under the same version is another release). */
  release: string;
  previousVersion?: string;
  previousRelease?: string;
  /** False when the host already ran this exact release with this configuration, healthy. */
  changed: boolean;
  nodeInstalled: boolean;
  uploadedBytes: number;
  securityScore?: string;
  health?: Health;
  /** A datastore snapshot was taken before the new release's migrations. */
  snapshot: boolean;
  durationMs: number;
}

/** A single deploy watches the new release this long after it first answers healthy. */
export const DEFAULT_BAKE_MS = 10_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 30_000;

/** Before the switch: nothing the running agent uses changes until the switch but secrets and units (kept). */
const BEFORE_SWITCH: [string, DeployStep][] = [
  ['prepare', prepare],
  ['node', node],
  ['upload', upload],
  ['secrets', secrets],
  ['unit', unit],
];
/**
 * The switch: from here a failure takes the host back (a snapshot stops the agent, so it belongs here). The guard
 * gets its short deadline before the restart, not after: a connection lost during the restart must not leave the
 * VPS waiting out the long deadline meant for the copy.
 */
const SWITCH: DeployStep[] = [armGuard, snapshot, switchRelease, rearmGuard, restart];

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const started = performance.now();
  const reporter = new StepReporter(targetName(options.target), DEPLOY_STEPS, options.onProgress);
  // Secrets and the Node source are checked before connecting: a typo fails before anything changes.
  let env: AgentEnv | undefined;
  try {
    env = options.agentEnv
      ? options.agentEnv
      : options.envFile
        ? await readAgentEnv(options.envFile)
        : options.env
          ? parseAgentEnv(options.env.reveal(), 'the secrets')
          : undefined;
    checkNodeSource(
      options.nodeMirror ?? DEFAULT_NODE_MIRROR,
      options.nodeVersion ?? DEFAULT_NODE_VERSION,
      options.nodeSha256,
    );
  } catch (error) {
    throw reporter.fail(error, 'secrets');
  }
  const session = await connectStep(options.target, reporter);
  const source = options.source ?? new ReleaseSource(options.releaseDir);
  let lock: HeldLock | undefined;
  try {
    if (env) session.addSecrets(env.values);
    session.timeouts = { ...options.timeouts };
    const facts = await preflightStep(session, reporter);
    const release = await source.forArch(facts.nodeArch!).catch((error) => {
      throw reporter.fail(error, 'upload');
    });
    lock = await reporter.run(
      'lock',
      `Taking the deploy lock (${LAYOUT.lockDir})`,
      () =>
        acquireHostLock(session, {
          timeoutMs: options.lockTimeoutMs,
          signal: options.signal,
          onWait: (owner) => reporter.emit('lock', 'start', `Waiting for the deploy lock held by ${owner}`),
        }),
      (l) => (l.tookOverFrom ? `Lock taken (a stale lock of ${l.tookOverFrom} was replaced)` : 'Lock taken'),
    );
    const port = env?.httpPort ?? DEFAULT_HTTP_PORT;
    const nodePath = facts.node?.path ?? `${LAYOUT.nodeDir}/bin/node`;
    const units = unitFiles({
      nodePath,
      httpPort: port,
      httpHost: env?.httpHost,
      memoryMaxMb: options.memoryMaxMb,
      socketActivation: release.socketActivation,
    });
    const seen = await inspect(session, reporter, release, env, units, port);
    const settings: GateSettings = {
      port,
      timeoutMs: options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      bakeMs: options.bakeMs ?? DEFAULT_BAKE_MS,
    };
    const ways = stages(seen, env);
    const ctx: DeployContext = {
      session,
      reporter,
      source,
      release,
      env,
      installed: seen.installed,
      plan: seen.plan,
      unit: units,
      lock,
      existingNode: facts.node,
      guard: ways[0] && {
        release: seen.plan.release,
        version: seen.plan.version,
        back: ways[0],
        port,
        stableS: settings.bakeMs / 1000,
        lockToken: lock.token,
        healthTimeoutMs: settings.timeoutMs,
        bakeMs: settings.bakeMs,
      },
      options,
      out: { nodeInstalled: false, uploadedBytes: 0 },
    };
    const result = (health: Health | undefined, changed: boolean): DeployResult => ({
      host: reporter.host,
      version: release.version,
      release: release.id,
      previousVersion: seen.installed.current
        ? (seen.installed.currentVersion ?? versionOf(seen.installed.current))
        : undefined,
      previousRelease: seen.installed.current,
      changed,
      nodeInstalled: ctx.out.nodeInstalled,
      uploadedBytes: ctx.out.uploadedBytes,
      securityScore: ctx.out.securityScore,
      health,
      snapshot: seen.plan.snapshot,
      durationMs: Math.round(performance.now() - started),
    });

    if (seen.plan.kind === 'unchanged') {
      for (const step of ['prepare', 'node', 'upload', 'secrets', 'unit', 'snapshot', 'switch', 'restart'])
        reporter.skip(step, `already at ${release.id}`);
      reporter.emit('health', 'ok', `Healthy: ${release.id}`, { detail: { ...seen.health } });
      reporter.skip('prune', 'nothing to prune');
      return result(seen.health, false);
    }

    await beforeSwitch(ctx);
    let failure: string | undefined;
    try {
      for (const step of SWITCH) await step(ctx);
    } catch (error) {
      failure = `could not be started: ${asProvisionError(error, 'restart').reason}`;
    }
    const channels = env?.channels ?? seen.remoteChannels;
    const health = failure
      ? undefined
      : await healthStep(ctx, settings, channels).catch((e: Error) => {
          failure = e.message;
          return undefined;
        });
    // Back with a verdict: the VPS's own guard stands down before this deploy keeps or leaves the release.
    await disarmGuard(ctx).catch((e: unknown) => {
      failure ??= `could not be confirmed: ${asProvisionError(e, 'health').reason}`;
    });
    if (failure !== undefined) {
      const logTail = await lastLogLines(session);
      const outcome = await recoverDeploy(session, reporter, seen.plan, ways, settings);
      const error = new HealthCheckError(release.id, failure, logTail, outcome, session.name);
      reporter.emit('health', 'fail', error.reason, { error: error.summary() });
      throw error;
    }
    await prune(ctx);
    return result(health, true);
  } finally {
    if (lock) {
      const held = lock;
      await reporter
        .run('unlock', 'Releasing the deploy lock', () => releaseHostLock(session, held))
        .catch(() => {});
    }
    session.close();
    if (!options.source) await source.close();
  }
}

/** Steps before the switch; if one fails after the secrets or unit were rewritten, the old ones go back. */
async function beforeSwitch(ctx: DeployContext): Promise<void> {
  try {
    for (const [name, step] of BEFORE_SWITCH) {
      cancelPoint(ctx, name);
      await step(ctx);
    }
    cancelPoint(ctx, 'switch');
  } catch (error) {
    if (ctx.out.configBackedUp)
      await ctx.session.run(restoreConfigCommand(), { allowFailure: true }).catch(() => {});
    throw error;
  }
}

/** The gate: healthy with its version and channels, then through the bake. Throws the one-line reason. */
async function healthStep(ctx: DeployContext, settings: GateSettings, channels: string[]): Promise<Health> {
  const { session, reporter, plan } = ctx;
  const what = `${plan.release}${channels.length ? ` with ${channels.join(', ')}` : ''}`;
  reporter.emit(
    'health',
    'start',
    `Waiting for /healthz to report ${what} ok, then watching it for ${Math.round(settings.bakeMs / 1000)} s`,
  );
  const g = await gate(session, {
    release: plan.release,
    version: plan.version,
    channels,
    ...settings,
    onHealthy: () => {
      ctx.options.onBake?.();
      reporter.emit(
        'health',
        'start',
        `Healthy; watching ${plan.release} for ${Math.round(settings.bakeMs / 1000)} s before counting it`,
        // The bake's length travels with the event: a screen can count it down.
        { detail: { bake_ms: settings.bakeMs } },
      );
    },
  });
  if (!g.ok) throw new Error(g.reason);
  const h = g.health;
  ctx.out.health = h;
  reporter.emit(
    'health',
    'ok',
    `Healthy: ${h.version}, db ${h.db ?? '?'}${Object.entries(h.channels ?? {})
      .filter(([, m]) => m !== 'off')
      .map(([c, m]) => `, ${c} ${m}`)
      .join('')}; stayed healthy for ${Math.round(g.bakedMs / 1000)} s`,
    { detail: { ...h, healthy_after_ms: Math.round(g.healthyAfterMs), baked_ms: Math.round(g.bakedMs) } },
  );
  return h;
}

interface Inspected {
  installed: Installed;
  plan: DeployPlan;
  health: Health | undefined;
  /** Channels the running release served (or its secrets turn on): what going back must serve again. */
  channelsBefore: string[];
  /** Channels the secrets on the VPS turn on (what a deploy without new secrets must serve). */
  remoteChannels: string[];
}

async function inspect(
  session: Session,
  reporter: StepReporter,
  release: LocalRelease,
  env: AgentEnv | undefined,
  units: UnitFiles,
  port: number,
): Promise<Inspected> {
  return reporter.run(
    'inspect',
    'Reading what is installed',
    async (note) => {
      const inspected = await session.run(inspectCommand(port));
      const found = toInstalled(inspected.stdout, inspected.facts);
      if (found.portTakenBy)
        throw new ProvisionError(
          'inspect',
          `port ${port} on the VPS is taken by another program (${found.portTakenBy}); the agent's health check listens there`,
          'Stop that program, or give the agent another port with MONO_HTTP_PORT=… in the env file.',
          { host: session.name },
        );
      // The secrets kept on the VPS must never show up in the log lines a failed health check quotes.
      const remote = await session.redactRemoteSecrets('inspect');
      const probe = found.active === 'active' ? await probeHealth(session, port) : {};
      const version = found.currentVersion ?? (found.current ? versionOf(found.current) : undefined);
      const healthy = probe.health?.status === 'ok' && probe.health.version === version && !probe.problem;
      const installed: Installed = { ...found, healthy };
      const plan = planDeploy(installed, release, env, units);
      const channelsBefore = healthy
        ? Object.entries(probe.health?.channels ?? {})
            .filter(([, mode]) => mode !== 'off')
            .map(([c]) => c)
        : remote.channels;
      note({ plan: plan.kind, release: plan.release, running: plan.running ?? null, notes: plan.notes });
      return { installed, plan, health: probe.health, channelsBefore, remoteChannels: remote.channels };
    },
    ({ installed, plan }) =>
      `${installed.current ? `Installed: ${installed.current} (${installed.active})` : 'Nothing installed yet'}; ${describePlan(plan)}`,
  );
}

function describePlan(plan: DeployPlan): string {
  switch (plan.kind) {
    case 'first-install':
      return `first install of ${plan.release}${plan.notes.length ? ` (${plan.notes.join('; ')})` : ''}`;
    case 'update':
      return `update to ${plan.release}; back to ${plan.running} if it fails${plan.snapshot ? ' (datastore copied first: new migrations)' : ''}`;
    case 'reconfigure':
      return `new settings for ${plan.release}; the old ones go back if it fails`;
    case 'repair':
      return `${plan.release} is installed but not healthy: restarting it`;
    case 'unchanged':
      return 'nothing to change';
  }
}

/** The plan's ways back, with what each must serve. */
function stages(seen: Inspected, env: AgentEnv | undefined): Stage[] {
  const { installed, plan } = seen;
  return plan.rollback.map((s) => ({
    release: s.release,
    version:
      s.release === installed.current && installed.currentVersion
        ? installed.currentVersion
        : versionOf(s.release),
    previous: plan.previousAfterRollback,
    oldConfig: s.config === 'restore',
    restoreData: s.restoreData,
    snapshotFor: s.restoreData ? plan.release : undefined,
    channels: s.config === 'keep' && env ? env.channels : seen.channelsBefore,
  }));
}
