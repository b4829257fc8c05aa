// Keeps the row agent_status:current fresh (version, start time, heartbeat, channel states) for the desktop.
import { RecordId, type Surreal } from 'surrealdb';
import type { ClaudeHealth } from '../agent/claude.ts';
import type { Channel } from '../channels/channel.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import { oneAtATime } from '../util/one-at-a-time.ts';

const HEARTBEAT_MS = 15_000;
export const AGENT_STATUS_ID = new RecordId('agent_status', 'current');

export class AgentStatus {
  #timer: NodeJS.Timeout | undefined;
  #last = '';
  /**
   * Writes run one after the other, each reading the state when its turn comes: two writes at once may commit in
   * either order, and an older state landing last (has_owner false after a claim) would stay until the next change.
   */
  readonly #oneAtATime = oneAtATime();

  constructor(
    private readonly db: Surreal,
    private readonly version: string,
    private readonly channels: ReadonlyMap<ChannelName, Channel>,
    private readonly log: Logger,
    /** Whether anybody owns the agent (agent_status.has_owner, for the desktop). */
    private readonly hasOwner: () => boolean = () => false,
    /** Claude's state (a rejected key), written beside the channels'. */
    private readonly claude: () => ClaudeHealth | undefined = () => undefined,
    /** False while nothing may be written (the disk is full): heartbeats are skipped. */
    private readonly mayWrite: () => boolean = () => true,
  ) {}

  async start(): Promise<void> {
    await this.#oneAtATime(() =>
      this.db
        .query(
          // No `paused = paused ?? false`: inside UPSERT … SET this engine reads the record's fields as NONE, which
          // would resume an agent the desktop paused; the field's DEFAULT covers a new row.
          `UPSERT $id SET version = $version, started_at = time::now(), heartbeat_at = time::now(),
             channels = $channels, has_owner = $has_owner, claude = $claude`,
          {
            id: AGENT_STATUS_ID,
            version: this.version,
            channels: this.#channels(),
            has_owner: this.hasOwner(),
            claude: this.#claude(),
          },
        )
        .collect(),
    );
    this.#timer = setInterval(
      () => void this.beat().catch((error) => this.log.warn({ err: error }, 'heartbeat failed')),
      HEARTBEAT_MS,
    );
    this.#timer.unref();
  }

  /** Writes the heartbeat, and the channel states when they changed. */
  beat(): Promise<void> {
    return this.#oneAtATime(() => this.#write());
  }

  async #write(): Promise<void> {
    if (!this.mayWrite()) return;
    const channels = this.#channels();
    const hasOwner = this.hasOwner();
    const claude = this.#claude();
    const snapshot = JSON.stringify([
      hasOwner,
      Object.entries(channels).map(([name, c]) => [name, c.state, c.detail]),
      [claude?.state, claude?.detail],
    ]);
    const changed = snapshot !== this.#last;
    await this.db
      .query(
        changed
          ? 'UPDATE $id SET heartbeat_at = time::now(), channels = $channels, has_owner = $has_owner, claude = $claude'
          : 'UPDATE $id SET heartbeat_at = time::now()',
        { id: AGENT_STATUS_ID, channels, has_owner: hasOwner, claude },
      )
      .collect();
    // Only once written: after a failed write the next one writes the whole state again.
    this.#last = snapshot;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }

  #claude() {
    const claude = this.claude();
    return claude ? { ...claude, updated_at: new Date() } : undefined;
  }

  #channels() {
    const now = new Date();
    return Object.fromEntries(
      [...this.channels].map(([name, channel]) => [name, { ...channel.state(), updated_at: now }]),
    );
  }
}
