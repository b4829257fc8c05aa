// Who the owner is and where to reach them: the explicit ids in the channel allowlists (MONO_ALLOW_<CHANNEL>),
// or the `owner_chat` setting ("telegram:1001") when the allowlist is `*` or another chat is preferred.
import type { Allowlist } from '../config/config.ts';
import type { ChannelName } from '../contract/tables.ts';
import { isTimeZone, machineTimeZone } from '../jobs/local-time.ts';
import type { Settings } from './settings.ts';

export interface ChatTarget {
  channel: ChannelName;
  chatId: string;
}

export class Owner {
  constructor(
    private readonly allowlists: ReadonlyMap<ChannelName, Allowlist>,
    private readonly settings: Settings,
    /** MONO_TIMEZONE; unset: the machine's zone. */
    private readonly defaultTimezone?: string,
  ) {}

  /** Owners may use owner-only tools and chat commands; paired guests and `*` strangers may not. */
  isOwner(channel: ChannelName, userId: string): boolean {
    const allow = this.allowlists.get(channel);
    if (allow && !allow.everyone && allow.ids.has(userId)) return true;
    const preferred = this.#preferred();
    // In private chats (Telegram, WhatsApp) the chat id is the user id.
    return preferred !== undefined && preferred.channel === channel && preferred.chatId === userId;
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
    return undefined;
  }

  /** The owner's IANA time zone: the `timezone` setting, else MONO_TIMEZONE, else the machine's. */
  timezone(): string {
    const value = this.settings.get<string>('timezone');
    if (typeof value === 'string' && isTimeZone(value)) return value;
    return this.defaultTimezone ?? machineTimeZone();
  }

  #preferred(): ChatTarget | undefined {
    const value = this.settings.get<string>('owner_chat');
    if (typeof value !== 'string') return undefined;
    const match = /^(telegram|whatsapp|email):(.+)$/.exec(value.trim());
    return match ? { channel: match[1] as ChannelName, chatId: match[2]! } : undefined;
  }
}
