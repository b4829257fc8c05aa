// The owner's accounts kept in the datastore (table `owner`, the contract in contract/owners.ts): read at start,
// kept in step with the desktop's writes by a live query, and claimed with a one-time code.
import { RecordId, type Surreal, Table } from 'surrealdb';
import { claimCodeHash, createOwnerClaim, ownerKey } from '../contract/owners.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import { transaction } from './transaction.ts';

export interface OwnerAccount {
  channel: ChannelName;
  external_id: string;
  chat_id: string;
  name: string;
}

/** What sending a claim code did: made the sender an owner, or why not. */
export type ClaimOutcome = 'claimed' | 'used' | 'expired' | 'unknown';

export class OwnerAccounts {
  #accounts: OwnerAccount[] = [];
  #keys = new Set<string>();
  #reading: Promise<void> = Promise.resolve();
  #stopLive: (() => Promise<void>) | undefined;
  #changed: () => void = () => {};

  constructor(
    private readonly db: Surreal,
    private readonly log: Logger,
  ) {}

  /** `listener` runs after the accounts changed (a claim, or a write from the desktop). */
  onChange(listener: () => void): void {
    this.#changed = listener;
  }

  async load(): Promise<void> {
    await this.#read();
    try {
      const live = await this.db.live(new Table('owner'));
      this.#stopLive = () => live.kill();
      (async () => {
        // Any change reads the (small) table again: notifications may arrive out of order.
        for await (const _change of live)
          this.refresh().catch((error) => this.log.warn({ err: error }, 'could not read the owners'));
      })().catch((error) => this.log.warn({ err: error }, 'owner watch ended'));
    } catch (error) {
      this.log.warn({ err: error }, 'cannot watch owners live; changes apply after a restart');
    }
  }

  has(channel: ChannelName, userId: string): boolean {
    return this.#keys.has(ownerKey(channel, userId));
  }

  /** Oldest first. */
  list(): readonly OwnerAccount[] {
    return this.#accounts;
  }

  /** Reads the table again (one read at a time); resolves once the accounts are current. */
  refresh(): Promise<void> {
    this.#reading = this.#reading.then(
      () => this.#read(),
      () => this.#read(),
    );
    return this.#reading;
  }

  /**
   * Uses a claim code for `who`, atomically: the claim is marked used and the owner row written in one
   * transaction, so of two people sending the same code one wins and the other gets 'used'.
   */
  async claim(
    code: string,
    who: { channel: ChannelName; external_id: string; chat_id: string; name: string },
  ): Promise<ClaimOutcome> {
    const outcome = await transaction<ClaimOutcome>(
      this.db,
      `LET $claim = (SELECT * FROM owner_claim WHERE code_hash = $hash LIMIT 1)[0];
       LET $outcome = IF $claim = NONE { 'unknown' } ELSE IF $claim.used_at != NONE { 'used' }
         ELSE IF $claim.expires_at <= time::now() { 'expired' } ELSE { 'claimed' };
       IF $outcome = 'claimed' {
         IF $claim.mode = 'replace' { DELETE owner WHERE id != $owner; };
         UPSERT $owner SET channel = $channel, external_id = $user, chat_id = $chat, name = $name,
           added_by = 'claim';
         UPDATE $claim.id SET used_at = time::now(), used_by = $owner;
       };
       RETURN $outcome;`,
      {
        hash: claimCodeHash(code),
        owner: new RecordId('owner', ownerKey(who.channel, who.external_id)),
        channel: who.channel,
        user: who.external_id,
        chat: who.chat_id,
        name: who.name.slice(0, 200),
      },
    );
    if (outcome === 'claimed') await this.refresh();
    return outcome;
  }

  async close(): Promise<void> {
    await this.#stopLive?.();
  }

  async #read(): Promise<void> {
    const [rows] = await this.db
      .query<[OwnerAccount[]]>(
        'SELECT channel, external_id, chat_id, name, created_at FROM owner ORDER BY created_at ASC',
      )
      .collect();
    const before = [...this.#keys].sort().join('\n');
    this.#accounts = rows;
    this.#keys = new Set(rows.map((row) => ownerKey(row.channel, row.external_id)));
    if ([...this.#keys].sort().join('\n') !== before) this.#changed();
  }
}

/** Stores a new claim code (its hash) and returns the code to show once (for `mono owner claim`). */
export async function storeOwnerClaim(
  db: Surreal,
  options: { mode?: 'add' | 'replace'; ttlMs?: number } = {},
): Promise<{ code: string; expiresAt: Date }> {
  const { code, row } = createOwnerClaim(options);
  await db.query('CREATE owner_claim CONTENT $row', { row }).collect();
  return { code, expiresAt: row.expires_at };
}

/** Every owner row, oldest first. */
export async function listOwnerRows(
  db: Surreal,
): Promise<(OwnerAccount & { added_by: string; created_at: Date })[]> {
  const [rows] = await db
    .query<[(OwnerAccount & { added_by: string; created_at: Date })[]]>(
      'SELECT channel, external_id, chat_id, name, added_by, created_at FROM owner ORDER BY created_at ASC',
    )
    .collect();
  return rows;
}

/** Removes one owner account; false when there was none. */
export async function removeOwner(db: Surreal, channel: ChannelName, userId: string): Promise<boolean> {
  const [rows] = await db
    .query<[unknown[]]>('DELETE $owner RETURN BEFORE', {
      owner: new RecordId('owner', ownerKey(channel, userId)),
    })
    .collect();
  return rows.length > 0;
}
