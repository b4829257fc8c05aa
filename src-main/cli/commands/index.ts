// Every `mono` command: name, one-line usage, and a lazy loader so `mono status` does not load the agent.

export interface CommandModule {
  /** Runs the command with its own arguments; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

export interface CommandEntry {
  name: string;
  usage: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: 'start',
    usage: 'start',
    summary: 'Open MONO (the desktop app, or its web UI where Electron is not installed)',
    load: () => import('./start.ts'),
  },
  {
    name: 'agent',
    usage: 'agent',
    summary: 'Run the agent in this terminal (configured by environment variables)',
    load: () => import('./agent.ts'),
  },
  {
    name: 'pairing',
    usage: 'pairing list|approve CODE|deny CODE',
    summary: 'See and answer requests from people who want to talk to your agent',
    load: () => import('./pairing.ts'),
  },
  {
    name: 'owner',
    usage: 'owner [list]|claim [--replace]|remove CHANNEL:ID',
    summary: 'Who owns your local agent; a one-time code to make your account its owner',
    load: () => import('./owner.ts'),
  },
  {
    name: 'deploy',
    usage: 'deploy [user@]host[:port] --identity KEY [--env-file FILE]',
    summary: 'Install or update MONO on your VPS',
    load: () => import('./deploy.ts'),
  },
  {
    name: 'status',
    usage: 'status HOST',
    summary: 'Version, uptime, health, memory and channels of the agent on a VPS',
    load: () => import('./status.ts'),
  },
  {
    name: 'logs',
    usage: 'logs HOST [--follow]',
    summary: "The agent's log on a VPS",
    load: () => import('./logs.ts'),
  },
  {
    name: 'rollback',
    usage: 'rollback HOST',
    summary: 'Switch a VPS back to the previous release',
    load: () => import('./rollback.ts'),
  },
  {
    name: 'uninstall',
    usage: 'uninstall HOST [--yes]',
    summary: 'Remove MONO from a VPS',
    load: () => import('./uninstall.ts'),
  },
  {
    name: 'backup',
    usage: 'backup [HOST] --out FILE [--passphrase-file FILE]',
    summary: "Back up the agent's data (conversations, memory, jobs…) while it runs",
    load: () => import('./backup.ts'),
  },
  {
    name: 'restore',
    usage: 'restore [HOST] FILE [--replace]',
    summary: 'Restore a backup into an agent (a fresh VPS included)',
    load: () => import('./restore.ts'),
  },
  {
    name: 'fleet',
    usage: 'fleet deploy HOSTS_FILE --parallel N --canary K',
    summary: 'Deploy to many VPSes, canary first',
    load: () => import('./fleet.ts'),
  },
];
