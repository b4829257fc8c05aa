// Puts the faults the agent is living through where people see them: agent_status.faults for the desktop and
// the tray (disk, memory, unreachable services, a kill for memory), the reasons /healthz is degraded, and one
// notice to the owner per episode (a full disk, a long outage, a restart after running out of memory).
import { RecordId, type Surreal } from 'surrealdb';
import type { Channel } from '../channels/channel.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import type { DiskGuard } from './disk-guard.ts';
import * as notices from './fault-notices.ts';
import type { LastExit } from './last-exit.ts';
import type { MemoryGuard } from './memory-guard.ts';
import { UPSTREAM_NAMES, type Upstreams } from './upstreams.ts';

const STATUS_ID = new RecordId('agent_status', 'current');

export interface FaultWatchDeps {
  db: Surreal;
  log: Logger;
  disk: DiskGuard;
  memory: MemoryGuard;
  upstreams: Upstreams;
  channels: ReadonlyMap<ChannelName, Channel>;
  lastExit: LastExit;
  /** Stores a notice for the owner and delivers it (false when there is no owner to tell). */
  notifyOwner(text: string): Promise<boolean>;
  /** Sends a notice to the owner without storing it (the disk is too full for a record); best effort. */
  tellOwnerNow(text: string): Promise<void>;
  /** The owner's channel, whose outage can only be told once it is over. */
  ownerChannel(): ChannelName | undefined;
  timezone(): string;
  /** This run started on a full disk and waited for space: the owner hears it is back. */
  startedOnFullDisk?: boolean;
  /** An outage is told to the owner once it has lasted this long (ms). */
  outageNoticeAfterMs: number;
  checkMs?: number;
}

interface Outage {
  since: number;
  detail: string;
  waiting: number;
  told: boolean;
  /** Told while it lasted (else, on the owner's own channel, told when it is over). */
  toldDuring: boolean;
}

export class FaultWatch {
  readonly #outages = new Map<string, Outage>();
  #timer: NodeJS.Timeout | undefined;
  #written = '';
  #diskTold = false;
  #checking: Promise<void> | undefined;

  constructor(private readonly deps: FaultWatchDeps) {
    this.#diskTold = deps.startedOnFullDisk === true;
  }

  async start(): Promise<void> {
    const { result, detail, at } = this.deps.lastExit;
    // How the last run ended, when systemd recorded it and it was not a clean stop.
    if (result && result !== 'success') {
      this.deps.log.warn({ result, detail }, 'the last run ended abnormally');
      await this.deps.db
        .query('UPDATE $id SET faults.last_exit = $exit', {
          id: STATUS_ID,
          exit: { result, ...(detail ? { detail } : {}), ...(at ? { at } : {}) },
        })
        .collect();
    }
    const kill = this.deps.lastExit.memoryKill;
    if (kill) {
      this.deps.log.warn(
        { limit_bytes: kill.limit_bytes, peak_bytes: kill.peak_bytes },
        'the last run was killed for lack of memory',
      );
      await this.deps.db
        .query('UPDATE $id SET faults.memory_kill = $kill', { id: STATUS_ID, kill })
        .collect();
      await this.#tell(notices.memoryKill(kill.limit_bytes));
    }
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.deps.checkMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Why /healthz says 'degraded' (besides the datastore). */
  healthReasons(): string[] {
    return this.deps.disk.state.level === 'ok' ? [] : ['disk'];
  }

  /** One look at every fault; writes the status row when something changed. Never rejects. */
  check(): Promise<void> {
    this.#checking ??= this.#check()
      .catch((error) => this.deps.log.warn({ err: error }, 'could not record the agent’s faults'))
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }

  async #check(): Promise<void> {
    await this.#disk();
    await this.#network();
    const { disk, memory } = this.deps;
    const state = disk.state;
    const faults = {
      disk: {
        level: state.level,
        free_bytes: state.freeBytes,
        total_bytes: state.totalBytes,
        refuse_below_bytes: state.thresholds.refuseBelow,
        ...(state.since ? { since: new Date(state.since).toISOString() } : {}),
      },
      memory: {
        pressure: memory.state.pressure,
        ...(memory.state.limitBytes ? { limit_bytes: memory.state.limitBytes } : {}),
      },
      outages: [...this.#outages].map(([service, outage]) => ({
        service,
        since: new Date(outage.since).toISOString(),
        detail: outage.detail,
        waiting: outage.waiting,
      })),
    };
    // Free bytes change all the time: written when the level or anything else changes, or they moved by 1 %.
    const key = JSON.stringify({
      ...faults,
      disk: {
        ...faults.disk,
        free_bytes: Math.round((state.freeBytes / Math.max(1, state.totalBytes)) * 100),
      },
    });
    if (key === this.#written || state.level === 'critical') return;
    await this.deps.db
      .query(
        'UPDATE $id SET faults.disk = $disk, faults.memory = $memory, faults.outages = $outages, faults.updated_at = time::now()',
        { id: STATUS_ID, ...faults },
      )
      .collect();
    this.#written = key;
  }

  async #disk(): Promise<void> {
    const state = this.deps.disk.state;
    if (state.level === 'ok') {
      if (this.#diskTold) {
        this.#diskTold = false;
        await this.#tell(notices.diskBack(state.freeBytes));
      }
      return;
    }
    if (this.#diskTold) return;
    this.#diskTold = true;
    const text = notices.diskLow(state.freeBytes, state.totalBytes);
    // Low: the reserve has room for one more message. Full: no record, just try to send it.
    if (state.level === 'low') await this.#tell(text);
    else await this.deps.tellOwnerNow(text).catch(() => {});
  }

  async #network(): Promise<void> {
    const now = Date.now();
    // The owner's zone is asked only when a notice is written: it may be this machine's, and the first look at
    // ICU's zone data costs ~18 ms and ~7 MB of resident memory, which an agent that never tells of an outage need
    // not pay at start.
    for (const name of UPSTREAM_NAMES) {
      const gate = this.deps.upstreams.get(name).state;
      const channel = name === 'anthropic' ? undefined : this.deps.channels.get(name)?.state();
      // 'unreachable': no answer at all (network); 'error': any other failure to reach it. ('rejected', a refused
      // token, is not an outage: waiting does not end it, the owner must act, and the status says so.)
      const down = !gate.up || channel?.state === 'unreachable' || channel?.state === 'error';
      const known = this.#outages.get(name);
      if (!down) {
        if (known) {
          this.#outages.delete(name);
          this.deps.log.info(
            { service: name, down_s: Math.round((now - known.since) / 1000) },
            'reachable again',
          );
          if (known.told && !known.toldDuring)
            await this.#tell(notices.outageOver(name, known.since, now, this.deps.timezone()));
        }
        continue;
      }
      const outage: Outage = known ?? {
        since: gate.since ?? now,
        detail: '',
        waiting: 0,
        told: false,
        toldDuring: false,
      };
      outage.detail = gate.detail ?? channel?.detail ?? 'unreachable';
      outage.waiting = gate.waiting;
      this.#outages.set(name, outage);
      if (outage.told || now - outage.since < this.deps.outageNoticeAfterMs) continue;
      outage.told = true;
      this.deps.log.warn({ service: name, since: new Date(outage.since).toISOString() }, 'long outage');
      // On the owner's own channel the notice could only wait in the queue: it is told when the outage ends.
      if (this.deps.ownerChannel() === name) continue;
      outage.toldDuring = true;
      await this.#tell(notices.outageNow(name, outage.since, this.deps.timezone(), outage.waiting));
    }
  }

  async #tell(text: string): Promise<void> {
    try {
      await this.deps.notifyOwner(text);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not tell the owner');
    }
  }
}
