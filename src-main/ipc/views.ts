// What the main process shows the renderer: the plain shapes the IPC contract's methods answer with and its events
// carry (sync, install and server status, health problems, host keys, backups, owner claims, the chat's history).
import type { DesktopInboxRow } from '../../agent-core/contract/desktop-chat.ts';
import type { OwnerRow } from '../../agent-core/contract/owners.ts';
import type { ActionRow, ConversationRow, MessageRow } from '../../agent-core/contract/tables.ts';
import type { FleetState } from './fleet-contract.ts';
import type { VpsTarget } from './vps-target.ts';

/** `unresponsive`: connected, but the agent stopped answering (frozen or stuck) — distinct from `offline`. */
export type SyncState = 'connecting' | 'online' | 'unresponsive' | 'offline';
export interface SyncStatus {
  state: SyncState;
  /** Increments after every (re)connect: the renderer re-selects what is on screen when it changes. */
  epoch: number;
  since: string;
  attempt: number;
  nextRetryAt?: string;
  error?: string;
}

export interface InstallStep {
  step: string;
  /** `waiting`: done as far as MONO can go; the owner has a step to take (its message says which). */
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'waiting';
  message: string;
}
export interface InstallState {
  running: boolean;
  steps: InstallStep[];
  log: string[];
  error?: { step: string; message: string; hint?: string };
  finishedAt?: string;
}

export interface ServerStatus {
  mode: 'local' | 'vps' | null;
  /** The agent answered its health check (it may still be degraded). */
  reachable: boolean;
  paused: boolean;
  /** What the agent says about itself: degraded with a reason when a service refuses it or is out of reach. */
  health?: 'ok' | 'degraded';
  reason?: string;
  version?: string;
  uptime_s?: number;
  memory_mb?: number;
  db?: string;
  channels: Record<string, string>;
  /** Claude as the agent found it ('ok', 'rejected', 'unreachable'…). */
  claude?: string;
  address?: string;
  error?: string;
  /** Where the agent keeps its data (a folder here, or on the server), and its size when known. */
  data?: { path: string; bytes?: number; onThisComputer: boolean };
}

/** Something wrong with the agent, as every screen and the tray say it: what, and what to do, in one line each. */
export interface HealthProblem {
  /** 'agent', 'owner', 'claude' or a chat channel ('telegram', 'whatsapp', 'email'). */
  part: string;
  state: 'rejected' | 'unreachable' | 'error' | 'stopped' | 'unresponsive' | 'ownerless';
  title: string;
  fix: string;
  /** The service's or the agent's own words. */
  detail?: string;
}

export interface AgentHealth {
  problems: HealthProblem[];
}

/** The key a VPS presents on first contact (or later), as the wizard shows it before anything is pinned. */
export interface HostKeyView {
  host: string;
  port: number;
  /** The key's algorithm, e.g. ssh-ed25519. */
  type: string;
  /** SHA256:… exactly as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** new: never seen (nothing pinned) · pinned: the key MONO pinned · changed: not the pinned key (refused). */
  status: 'new' | 'pinned' | 'changed';
  pinnedFingerprint?: string;
  /** For a changed key: why MONO refuses it and what to do. */
  problem?: string;
}

/** One listed fleet server's key, as the Fleet screen shows it before anything is sent there. */
export type FleetHostKey = HostKeyView & {
  /** user@host[:port], as the list and the progress name it. */
  name: string;
  /** The key could not be read (the server is down, the name does not resolve…). */
  error?: string;
};
export type { FleetState };

/** One backup file in the desktop's backups folder (what its readable header says). */
export interface BackupEntry {
  /** The file's name in the backups folder (how the renderer names it back). */
  name: string;
  bytes: number;
  created_at: string;
  /** "local" or the VPS (user@host:port). */
  source: string;
  encrypted: boolean;
  agent_version: string;
  counts: Record<string, number>;
}

export interface BackupSchedule {
  enabled: boolean;
  everyHours: number;
  /** How many backups the folder keeps (the oldest go first). */
  keep: number;
}

export interface BackupOverview {
  folder: string;
  /** Newest first. */
  entries: BackupEntry[];
  schedule: BackupSchedule;
  /** When the next scheduled backup is due (absent when off). */
  nextAt?: string;
  /** The backup, restore or move running now, or the last one (its steps, log, error, outcome). */
  progress?: InstallState & { kind: 'backup' | 'restore' | 'move'; result?: string };
  /** After a move: the previous server, where MONO is stopped but still installed until the owner removes it. */
  oldServer?: VpsTarget;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A one-time code that makes whoever sends it to the bot an owner (shown once; only its hash is stored). */
export interface OwnerClaim {
  code: string;
  /** add: one more owner account; replace: the sender becomes the only owner. */
  mode: 'add' | 'replace';
  expiresAt: string;
  /** t.me/<bot>?start=<code>: opens the bot with the code ready to send (when Telegram is set up). */
  telegramLink?: string;
}

export type { OwnerRow };

/** A conversation in the list; while searching, `match` is its newest message containing the words. */
export type ConversationHit = ConversationRow & { match?: { text: string; at: string } };

/** The desktop's chat with MONO as the Chat screen opens it (src-main/services/chat-data.ts). */
export interface ChatHistory {
  /** The chat's conversation id, as message rows name it. */
  conversation: string;
  /** The latest messages, oldest first. */
  messages: MessageRow[];
  /** Tool calls waiting for the owner's /yes or /no in the chat. */
  actions: ActionRow[];
  /** Messages the owner sent that the agent has not taken yet. */
  inbox: DesktopInboxRow[];
}
