// Provisioning MONO on a VPS over SSH: what the CLI and the desktop call (no Electron, no terminal in here).

export { parseFingerprint } from '../ssh/host-keys.ts';
export type { HostKey } from '../ssh/known-hosts.ts';
export { defaultKnownHostsPath } from '../ssh/known-hosts.ts';
export { checkHost, type HostCheck } from './check-host.ts';
export type { Target } from './connect.ts';
export { targetName } from './connect.ts';
export { type DeployOptions, type DeployResult, deploy } from './deploy.ts';
export {
  type AgentEnv,
  agentEnvFrom,
  envKeyProblem,
  envValueProblem,
  formatAgentEnv,
  parseAgentEnv,
} from './env-file.ts';
export {
  CommandTimeoutError,
  type ErrorSummary,
  HealthCheckError,
  HostKeyError,
  LockedError,
  NotInstalledError,
  PreflightError,
  ProvisionError,
  RemoteCommandError,
  SshError,
} from './errors.ts';
export { type FleetHostOutcome, type FleetOptions, type FleetResult, fleetDeploy } from './fleet.ts';
export { fetchHostKey, type HostKeyInfo, trustHostKey } from './host-key.ts';
export {
  formatHostSpec,
  type HostSpec,
  HostSpecError,
  hostProblem,
  parseHostSpec,
  parseHostsFile,
  portProblem,
  usernameProblem,
} from './host-spec.ts';
export { type HubTunnel, openHubTunnel } from './hub-tunnel.ts';
export { LAYOUT } from './layout.ts';
export { type LogsOptions, logs } from './logs.ts';
export {
  DEPLOY_STEPS,
  type ProgressEvent,
  type ProgressListener,
  ROLLBACK_STEPS,
  STATUS_STEPS,
  type StepStatus,
  UNINSTALL_STEPS,
} from './progress.ts';
export { type RollbackOptions, type RollbackResult, rollback } from './rollback.ts';
export { type StatusReport, status } from './status.ts';
export { uninstall } from './uninstall.ts';
