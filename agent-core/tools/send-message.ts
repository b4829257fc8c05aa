// Tool: send a message on a channel — to the owner's own chat as is, to anyone else only after the owner
// confirmed (an effect outside MONO).
import type { Owner } from '../agent/owner.ts';
import type { ChannelName } from '../contract/tables.ts';
import { type MessageRecord, recordOutbound } from '../store/messages.ts';
import type { AgentTool, ToolContext } from './tool.ts';

export interface SendMessageDeps {
  owner: Owner;
  channels(): ChannelName[];
  deliver(message: MessageRecord, chatId: string): void;
}

export function sendMessageTool(deps: SendMessageDeps): AgentTool {
  const target = (input: Record<string, unknown>, context: ToolContext) => {
    const channel = (typeof input.channel === 'string' ? input.channel : context.channel) as ChannelName;
    const explicit =
      typeof input.chat_id === 'string' && input.chat_id.trim() ? input.chat_id.trim() : undefined;
    const ownerChat = deps.owner.target();
    const ownerOnChannel = ownerChat?.channel === channel ? ownerChat.chatId : undefined;
    const chatId = explicit ?? ownerOnChannel;
    return { channel, chatId, toOwner: chatId !== undefined && deps.owner.isOwner(channel, chatId) };
  };
  return {
    name: 'send_message',
    ownerOnly: true,
    description:
      'Send a message on a channel: without chat_id, to the owner on that channel; with chat_id, to that chat ' +
      '(the owner must confirm messages to anyone else).',
    inputSchema: {
      type: 'object',
      properties: {
        channel: { type: 'string', enum: ['telegram', 'whatsapp', 'email'] },
        text: { type: 'string' },
        chat_id: {
          type: 'string',
          description: "The recipient's chat id on that channel; omit for the owner.",
        },
      },
      required: ['channel', 'text'],
    },
    needsConfirmation: (input, context) => !target(input, context).toOwner,
    describeAction: (input) =>
      `Send on ${String(input.channel)} to ${String(input.chat_id ?? 'you')}:\n\n${String(input.text)}`,
    async run(input, context) {
      const { channel, chatId } = target(input, context);
      const text = typeof input.text === 'string' ? input.text.trim() : '';
      if (!text) return { content: 'Give the text to send.', isError: true };
      if (!deps.channels().includes(channel))
        return { content: `The ${channel} channel is not configured.`, isError: true };
      if (!chatId)
        return { content: `I do not know the owner's chat on ${channel}; give chat_id.`, isError: true };
      const message = await recordOutbound(context.db, {
        channel,
        chatId,
        role: 'assistant',
        text: text.slice(0, 20_000),
      });
      deps.deliver(message, chatId);
      return { content: `Sent on ${channel} to ${chatId}.` };
    },
  };
}
