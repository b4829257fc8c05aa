// Going back after a failed release: the plan's stages in order, each held to the same gate as a deploy, until
// one is healthy; a first install is stopped instead. Nothing is left disabled unless there was nothing to run.

import { rollbackStageCommand } from './commands/recovery.ts';
import { removeReleaseCommand } from './commands/release.ts';
import { journalCommand, stopCommand } from './commands/systemd.ts';
import { ProvisionError, type RecoveryOutcome } from './errors.ts';
import { gate } from './gate.ts';
import type { Health } from './health.ts';
import type { DeployPlan } from './plan.ts';
import type { StepReporter } from './progress.ts';
import type { Session } from './session.ts';

export interface GateSettings {
  port: number;
  timeoutMs: number;
  bakeMs: number;
}

/** One way back, with what its gate must see. */
export interface Stage {
  release: string;
  version: string;
  /** What `previous` points at once this stage runs. */
  previous: string | undefined;
  oldConfig: boolean;
  restoreData: boolean;
  /** The release the datastore snapshot must have been taken before to be put back. */
  snapshotFor?: string;
  channels: string[];
  /** The running agent may hand over to this stage's release instead of a restart (see plan.ts). */
  handOver?: boolean;
}

export function stageLabel(s: Pick<Stage, 'release' | 'oldConfig' | 'restoreData'>): string {
  return `${s.release}${s.oldConfig ? ' with the secrets and unit from before' : ''}${s.restoreData ? ' and the datastore snapshot' : ''}`;
}

/** Tries each stage until one stays healthy through its gate; says which, or what was tried. */
export async function runStages(
  session: Session,
  reporter: StepReporter,
  stages: Stage[],
  settings: GateSettings,
): Promise<{ ok: true; stage: Stage; health: Health } | { ok: false; tried: string[]; reasons: string[] }> {
  const tried: string[] = [];
  const reasons: string[] = [];
  for (const stage of stages) {
    const label = stageLabel(stage);
    try {
      const health = await reporter.run(
        'rollback',
        `Switching back to ${label}`,
        async (note) => {
          await session.run(
            rollbackStageCommand({
              release: stage.release,
              previous: stage.previous,
              oldConfig: stage.oldConfig,
              restoreData: stage.restoreData,
              snapshotFor: stage.snapshotFor,
              handOver: stage.handOver,
            }),
          );
          const g = await gate(session, {
            release: stage.release,
            version: stage.version,
            channels: stage.channels,
            ...settings,
          });
          if (!g.ok)
            throw new ProvisionError('rollback', `${stage.release} ${g.reason}`, '', { host: session.name });
          note({ healthy_after_ms: Math.round(g.healthyAfterMs), baked_ms: Math.round(g.bakedMs) });
          return g.health;
        },
        () => `${label} runs again and stayed healthy`,
      );
      return { ok: true, stage, health };
    } catch (error) {
      const reason = (error instanceof ProvisionError ? error.reason : String(error)).replace(
        `${stage.release} `,
        '',
      );
      // Each attempt says why it failed: the owner has to act on exactly that.
      tried.push(`${label}, which ${reason.split('\n')[0]}`);
      reasons.push(reason);
    }
  }
  return { ok: false, tried, reasons };
}

/** After the new release failed: go back as the plan says, and say where the host was left. */
export async function recoverDeploy(
  session: Session,
  reporter: StepReporter,
  plan: DeployPlan,
  stages: Stage[],
  settings: GateSettings,
): Promise<RecoveryOutcome> {
  if (plan.onFailure === 'leave') return { kind: 'left' };
  if (plan.onFailure === 'stop') {
    const stopped = await reporter
      .run('rollback', 'Nothing to return to: stopping and disabling the agent', async () => {
        await session.run(stopCommand());
        if (plan.removeOnFailure)
          await session.run(removeReleaseCommand(plan.release, { unsetCurrent: true }));
      })
      .then(
        () => true,
        () => false,
      );
    return stopped
      ? { kind: 'stopped' }
      : { kind: 'nothing-healthy', tried: ['stopping the failed release'] };
  }
  const back = await runStages(session, reporter, stages, settings);
  if (!back.ok) return { kind: 'nothing-healthy', tried: back.tried };
  // The failed release goes (only if this deploy brought it), so `mono rollback` can never pick it.
  if (plan.removeOnFailure)
    await session.run(removeReleaseCommand(plan.release), { allowFailure: true }).catch(() => {});
  return {
    kind: 'switched-back',
    to: back.stage.release,
    oldConfig: back.stage.oldConfig,
    dataRestored: back.stage.restoreData,
  };
}

/** The agent's last journal lines (redacted by the session), to say why a release failed. */
export async function lastLogLines(session: Session, lines = 15): Promise<string[]> {
  const journal = await session
    .run(journalCommand({ lines, plain: true }), { allowFailure: true })
    .catch(() => ({ stdout: '' }));
  return journal.stdout.split('\n').filter(Boolean).slice(-lines);
}
