// What the agent's /healthz answers: the tracker's view of the datastore, each channel and Claude, with the faults
// of the machine itself (a full disk) beside them, the version and the uptime.
import type { ClaudeClient } from './agent/claude.ts';
import { HealthTracker } from './agent/health.ts';
import type { ChannelSetup } from './channels/channel-setup.ts';
import { CHANNEL_NAMES } from './channels/registry.ts';
import type { Datastore } from './db/datastore-types.ts';
import type { FaultWatch } from './health/fault-watch.ts';
import type { Health } from './http/app.ts';
import { VERSION } from './version.ts';

export interface AgentHealthDeps {
  datastore: Pick<Datastore, 'health'>;
  setups: readonly ChannelSetup[];
  claude: ClaudeClient | undefined;
  faults: Pick<FaultWatch, 'healthReasons'>;
  startedAt: number;
}

export function agentHealth(deps: AgentHealthDeps): () => Promise<Health> {
  const { datastore, setups, claude, faults, startedAt } = deps;
  const health = new HealthTracker();
  return async () => {
    const report = health.report({
      dbOk: await datastore.health(),
      channels: Object.fromEntries(
        CHANNEL_NAMES.map((name) => {
          const setup = setups.find((s) => s.channel.name === name);
          return [
            name,
            setup ? { mode: setup.mode(), ...setup.channel.state() } : { mode: 'off', state: 'off' },
          ];
        }),
      ),
      ...(claude?.state ? { claude: claude.state() } : {}),
    });
    // Faults of the machine itself (a full disk) degrade it too, beside the parts the tracker watches.
    const reasons = faults.healthReasons();
    const reason = [
      report.reason,
      ...reasons.map((part) => (part === 'disk' ? 'disk: nearly full, new messages wait' : part)),
    ].filter(Boolean);
    return {
      ...report,
      status: report.status === 'ok' && reasons.length === 0 ? 'ok' : 'degraded',
      ...(reason.length > 0 ? { reason: reason.join('; ') } : {}),
      ...(reasons.length > 0 ? { reasons } : {}),
      version: VERSION,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    };
  };
}
