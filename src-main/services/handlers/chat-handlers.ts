// The owner's own chat with MONO, and the owner answering a contact themselves (stepping in, and handing back).
import type { HandlersFor } from '../../ipc/dispatch.ts';
import type { ChatData } from '../chat-data.ts';

export function chatHandlers(deps: { chat: ChatData }): HandlersFor<'chat'> {
  const { chat } = deps;
  return {
    'chat.history': async () => chat.history(),
    'chat.send': async ({ clientId, text }) => chat.send(clientId, text),
    'chat.stepIn': async ({ conversation, clientId, text }) => chat.stepIn(conversation, clientId, text),
    'chat.handBack': async ({ conversation }) => chat.resume(conversation),
  };
}
