// Who the owner is and where to reach them: the explicit ids in the channel allowlists (MONO_ALLOW_<CHANNEL>),
// the `owner_chat` setting or MONO_OWNER_CHAT ("telegram:1001"), and the accounts in the datastore's `owner`
// table (claimed with a one-time code, or added from the desktop: contract/owners.ts).
import type { Allowlist } from '../config/values.ts';
import type { ChannelName } from '../contract/tables.ts';
import { isTimeZone, machineTimeZone } from '../jobs/local-time.ts';
import type { Settings } from './settings.ts';

export interface ChatTarget {
  channel: ChannelName;
  chatId: string;
}

/** The owner's accounts in the datastore (store/owners.ts). */
export interface OwnerDirectory {
  has(channel: ChannelName, userId: string): boolean;
  list(): readonly { channel: ChannelName; chat_id: string }[];
}

const NO_ACCOUNTS: OwnerDirectory = { has: () => false, list: () => [] };

export class Owner {
  constructor(
    private readonly allowlists: ReadonlyMap<ChannelName, Allowlist>,
    private readonly settings: Settings,
    private readonly options: {
      /** MONO_TIMEZONE; unset: the machine's zone. */
      timezone?: string;
      /** MONO_OWNER_CHAT: the owner_chat setting's default. */
      ownerChat?: string;
      accounts?: OwnerDirectory;
    } = {},
  ) {}

  /** Owners may use owner-only tools and chat commands; paired guests and `*` strangers may not. */
  isOwner(channel: ChannelName, userId: string): boolean {
    // The desktop's chat is written through the db hub, which only the owner's desktop and CLI can sign in to.
    if (channel === 'desktop') return true;
    const allow = this.allowlists.get(channel);
    if (allow && !allow.everyone && allow.ids.has(userId)) return true;
    if (this.#accounts.has(channel, userId)) return true;
    const preferred = this.#preferred();
    // In private chats (Telegram, WhatsApp) the chat id is the user id.
    return preferred !== undefined && preferred.channel === channel && preferred.chatId === userId;
  }

  /** False while nobody owns this agent: then it answers everyone that it is not set up yet. */
  exists(): boolean {
    if (this.#preferred() || this.#accounts.list().length > 0) return true;
    return [...this.allowlists.values()].some((allow) => !allow.everyone && allow.ids.size > 0);
  }

  /** Where notices for the owner go (budget, Stripe, jobs without a conversation); undefined when unknown. */
  target(): ChatTarget | undefined {
    const preferred = this.#preferred();
    if (preferred && this.allowlists.has(preferred.channel)) return preferred;
    for (const [channel, allow] of this.allowlists) {
      if (!allow.everyone) {
        const [first] = allow.ids;
        if (first) return { channel, chatId: first };
      }
    }
    const account = this.#accounts.list().find((a) => this.allowlists.has(a.channel));
    return account ? { channel: account.channel, chatId: account.chat_id } : undefined;
  }

  /** The owner's IANA time zone: the `timezone` setting, else MONO_TIMEZONE, else the machine's. */
  timezone(): string {
    const value = this.settings.get<string>('timezone');
    if (typeof value === 'string' && isTimeZone(value)) return value;
    return this.options.timezone ?? machineTimeZone();
  }

  get #accounts(): OwnerDirectory {
    return this.options.accounts ?? NO_ACCOUNTS;
  }

  #preferred(): ChatTarget | undefined {
    const setting = this.settings.get<string>('owner_chat');
    const value = typeof setting === 'string' ? setting : this.options.ownerChat;
    return value === undefined ? undefined : parseOwnerChat(value);
  }
}

/** "telegram:1001" → { channel, chatId }; undefined when it is not one. */
export function parseOwnerChat(value: string): ChatTarget | undefined {
  const match = /^(telegram|whatsapp|email):(.+)$/.exec(value.trim());
  return match ? { channel: match[1] as ChannelName, chatId: match[2]! } : undefined;
}
