// Every tool Claude can use, from every feature, collected in one place. A feature adds its tools here
// (channels add theirs, e.g. email, through `extra`). Tool names must be unique.
import type { Owner } from '../agent/owner.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { MessageRecord } from '../store/messages.ts';
import { clockTool } from './clock.ts';
import { jobTools } from './jobs.ts';
import { memoryTools } from './memory.ts';
import { sendMessageTool } from './send-message.ts';
import type { AgentTool } from './tool.ts';

export interface ToolDeps {
  owner: Owner;
  channels(): ChannelName[];
  deliver(message: MessageRecord, chatId: string): void;
  wakeScheduler(): void;
  /** Tools other parts contribute (a channel's own, e.g. email search and send). */
  extra?: readonly AgentTool[];
}

export function collectTools(deps: ToolDeps): AgentTool[] {
  return [
    clockTool(deps.owner),
    ...jobTools({ owner: deps.owner, wake: deps.wakeScheduler }),
    ...memoryTools(),
    sendMessageTool(deps),
    ...(deps.extra ?? []),
  ];
}
