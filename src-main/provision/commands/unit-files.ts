// The text of the agent's systemd units: the hardened service, and the socket that holds its HTTP port across
// restarts. Pure: the deploy compares their hash with what the VPS has.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { ALLOCATOR_ENV } from '../../../agent-core/config/allocator.ts';
import { LAYOUT } from '../layout.ts';
import { faultUnitLines } from './fault-settings.ts';

export interface UnitOptions {
  /** Absolute path of the node binary to run the agent with. */
  nodePath: string;
  httpPort: number;
  /** The address the agent's HTTP server listens on (127.0.0.1 unless the env file says otherwise). */
  httpHost?: string;
  /**
   * The release takes its listening socket from systemd: the port then stays open while the agent restarts,
   * so a webhook arriving during an update waits in the queue instead of being refused.
   */
  socketActivation?: boolean;
  /** The agent's memory ceiling in MB (MemoryMax; MemoryHigh throttles at 3/4 of it). */
  memoryMaxMb?: number;
}

/**
 * Sized for a 1 GB VPS: the agent idles near 85 MB; the embedded engine's write buffer adds up to ~250 MB before it
 * flushes (measured on the engine alone), and a burst of a thousand messages ~40 MB. sshd, journald and the kernel
 * keep the rest. Above it the agent (not sshd) is the one the kernel stops, and systemd restarts it.
 */
export const DEFAULT_MEMORY_MAX_MB = 600;

export function unitText(options: UnitOptions): string {
  const L = LAYOUT;
  return `# Written by "mono deploy"; changes here are replaced on the next deploy.
[Unit]
Description=MONO personal AI agent
Documentation=https://github.com/mono-agent/mono
Wants=network-online.target
After=network-online.target${options.socketActivation ? `\nRequires=${L.socketName}\nAfter=${L.socketName}` : ''}
# A 24/7 agent keeps being restarted; systemd's default gives up after 5 failures in 10 s.
StartLimitIntervalSec=0

[Service]
Type=simple
# The agent hands the service over to a new release's process on SIGUSR2 (an update without a restart): it
# writes that process's PID here before it exits, and systemd follows it as the main process.
PIDFile=${L.pidFile}
User=${L.user}
Group=${L.user}
WorkingDirectory=${L.current}
ExecStart=${options.nodePath} ${L.current}/mono-agent.js
Environment=NODE_ENV=production
Environment=MONO_DATA_DIR=${L.dataDir}
Environment=MONO_HTTP_HOST=127.0.0.1
Environment=MONO_HTTP_PORT=${options.httpPort}
Environment=MONO_HUB_SOCKET=${L.hubSocket}
Environment=MONO_PID_FILE=${L.pidFile}
${Object.entries(ALLOCATOR_ENV)
  .map(([name, value]) => `Environment=${name}=${value}`)
  .join('\n')}
EnvironmentFile=${L.envFile}
Restart=on-failure
RestartSec=1s
# Exit status 2 is a configuration error: restarting every second cannot fix it, the owner must.
RestartPreventExitStatus=2
# Throttled (reclaimed) above MemoryHigh; stopped and restarted above MemoryMax instead of the OOM killer
# choosing a victim on the VPS.
MemoryHigh=${Math.floor(((options.memoryMaxMb ?? DEFAULT_MEMORY_MAX_MB) * 3) / 4)}M
MemoryMax=${options.memoryMaxMb ?? DEFAULT_MEMORY_MAX_MB}M
${faultUnitLines()}
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

export function socketText(options: { httpHost?: string; httpPort: number }): string {
  const host = options.httpHost ?? '127.0.0.1';
  return `# Written by "mono deploy"; changes here are replaced on the next deploy.
[Unit]
Description=MONO agent's HTTP port, held open while the agent restarts

[Socket]
ListenStream=${isIP(host) === 6 ? `[${host}]` : host}:${options.httpPort}
# While the agent restarts (an update, a rollback, a crash), connections wait here instead of being refused.
Backlog=1024
NoDelay=yes

[Install]
WantedBy=sockets.target
`;
}

/** Separates the two units on the install command's stdin. */
export const SOCKET_MARK = `#--- ${LAYOUT.socketName} ---`;

export interface UnitFiles {
  service: string;
  socket: string | undefined;
  /** What the install command reads on stdin. */
  stdin: string;
  /** Compared with the inspect step's unit_sha (the installed service and socket files, concatenated). */
  sha256: string;
}

export function unitFiles(options: UnitOptions): UnitFiles {
  const service = unitText(options);
  const socket = options.socketActivation ? socketText(options) : undefined;
  return {
    service,
    socket,
    stdin: socket ? `${service}${SOCKET_MARK}\n${socket}` : service,
    sha256: createHash('sha256')
      .update(service + (socket ?? ''))
      .digest('hex'),
  };
}
