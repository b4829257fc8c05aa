// The agent's systemd unit (hardened, journald, restart on failure) and the commands that manage the service.
import { LAYOUT } from '../layout.ts';
import { script } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';

export interface UnitOptions {
  /** Absolute path of the node binary to run the agent with. */
  nodePath: string;
  httpPort: number;
  /** The agent's memory ceiling in MB (MemoryMax; MemoryHigh throttles at 3/4 of it). */
  memoryMaxMb?: number;
}

/**
 * Sized for a 1 GB VPS: the agent idles near 75 MB and stays far below this under load, while sshd, journald and
 * the kernel keep the rest. Above it the agent (not sshd) is the one the kernel stops, and systemd restarts it.
 */
export const DEFAULT_MEMORY_MAX_MB = 600;

export function unitText(o: UnitOptions): string {
  const L = LAYOUT;
  return `# Written by "mono deploy"; changes here are replaced on the next deploy.
[Unit]
Description=MONO personal AI agent
Documentation=https://github.com/mono-agent/mono
Wants=network-online.target
After=network-online.target
# A 24/7 agent keeps being restarted; systemd's default gives up after 5 failures in 10 s.
StartLimitIntervalSec=0

[Service]
Type=simple
User=${L.user}
Group=${L.user}
WorkingDirectory=${L.current}
ExecStart=${o.nodePath} ${L.current}/mono-agent.js
Environment=NODE_ENV=production
Environment=MONO_DATA_DIR=${L.dataDir}
Environment=MONO_HTTP_HOST=127.0.0.1
Environment=MONO_HTTP_PORT=${o.httpPort}
Environment=MONO_HUB_SOCKET=${L.hubSocket}
EnvironmentFile=${L.envFile}
Restart=on-failure
RestartSec=1s
# Exit status 2 is a configuration error: restarting every second cannot fix it, the owner must.
RestartPreventExitStatus=2
# Throttled (reclaimed) above MemoryHigh; stopped and restarted above MemoryMax instead of the OOM killer
# choosing a victim on the VPS.
MemoryHigh=${Math.floor(((o.memoryMaxMb ?? DEFAULT_MEMORY_MAX_MB) * 3) / 4)}M
MemoryMax=${o.memoryMaxMb ?? DEFAULT_MEMORY_MAX_MB}M
# The agent parks in-flight turns and exits within 5 s of SIGTERM.
KillMode=mixed
TimeoutStopSec=10s
StandardOutput=journal
StandardError=journal
SyslogIdentifier=mono-agent
StateDirectory=mono
StateDirectoryMode=0700
# The db hub's socket: only the agent's user (and root) may open it.
RuntimeDirectory=mono
RuntimeDirectoryMode=0700
UMask=0077
LimitNOFILE=65536

# Sandbox: the agent needs the network, its data directory and nothing else.
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
DevicePolicy=closed
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
PrivateUsers=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
# V8's JIT needs writable+executable memory, so MemoryDenyWriteExecute stays off.

[Install]
WantedBy=multi-user.target
`;
}

export const UNIT_EXIT = { verify: 41 } as const;

/**
 * Installs the unit text from stdin after `systemd-analyze verify` accepts it (its complaints are printed as
 * `verify:` lines), reloads systemd, enables the service and prints its `systemd-analyze security` score.
 */
export function installUnitCommand(): RemoteCommand {
  const L = LAYOUT;
  return {
    step: 'unit',
    root: true,
    what: 'installing the systemd unit (systemd-analyze verify, daemon-reload, enable, security score)',
    timeoutS: 90,
    script: script(
      'tmp=$(mktemp -d)',
      `trap 'rm -rf "$tmp"' EXIT`,
      `cat > "$tmp/${L.unitName}"`,
      `out=$(systemd-analyze verify "$tmp/${L.unitName}" 2>&1) || { printf '%s\\n' "$out" | sed 's/^/verify:/'; exit ${UNIT_EXIT.verify}; }`,
      `[ -z "$out" ] || printf '%s\\n' "$out" | sed 's/^/verify:/'`,
      `install -m 0644 -o root -g root "$tmp/${L.unitName}" ${L.unitPath}`,
      'systemctl daemon-reload',
      `systemctl enable ${L.unitName} 2>/dev/null`,
      securityScoreLine(),
    ),
  };
}

/** `score=<exposure> <verdict>` from systemd-analyze security (lower is safer; 10 is no sandbox at all). */
function securityScoreLine(): string {
  return `echo "score=$(systemd-analyze security ${LAYOUT.unitName} --no-pager 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: *//p' | awk '{print $1, $2}')"`;
}

export function securityCommand(): RemoteCommand {
  return { step: 'unit', root: true, script: script(securityScoreLine()) };
}

export function restartCommand(): RemoteCommand {
  return {
    step: 'restart',
    root: true,
    what: `restarting ${LAYOUT.unitName} (systemctl restart)`,
    // Stopping a release that hangs takes TimeoutStopSec (10 s) before systemd kills it; starting is quick.
    timeoutS: 60,
    // A crash loop before (a failed release) must not leave systemd refusing our deliberate start.
    script: script(
      `systemctl reset-failed ${LAYOUT.unitName} 2>/dev/null || true`,
      `systemctl enable --quiet ${LAYOUT.unitName} 2>/dev/null`,
      `systemctl restart ${LAYOUT.unitName}`,
      serviceStateLines(),
    ),
  };
}

export function stopCommand(): RemoteCommand {
  // Disabled too: a release that never started must not crash-loop after the next reboot.
  return {
    step: 'rollback',
    root: true,
    what: `stopping and disabling ${LAYOUT.unitName}`,
    script: script(`systemctl disable --now ${LAYOUT.unitName} 2>/dev/null`),
  };
}

function serviceStateLines(): string {
  return `systemctl show ${LAYOUT.unitName} -p ActiveState -p SubState -p NRestarts -p MainPID -p ExecMainStatus -p MemoryCurrent -p LoadState`;
}

/** The service's state as `systemctl show` properties (ActiveState, SubState, NRestarts, MainPID, …). */
export function serviceStateCommand(step = 'health'): RemoteCommand {
  return {
    step,
    root: false,
    what: `reading the state of ${LAYOUT.unitName}`,
    timeoutS: 20,
    script: serviceStateLines(),
  };
}

/** The agent's journal; `follow` streams until the caller closes the channel. */
export function journalCommand(o: { lines: number; follow?: boolean; plain?: boolean }): RemoteCommand {
  return {
    step: 'logs',
    root: true,
    what: 'reading the journal',
    timeoutS: 30,
    script: `exec journalctl -u ${LAYOUT.unitName} --no-pager -n ${Math.max(0, Math.floor(o.lines))} -o ${o.plain ? 'cat' : 'short-iso'}${o.follow ? ' -f' : ''}`,
  };
}
