// The owner's own chat with MONO, and the owner answering a contact themselves (stepping in, and handing back).
import type { HandlersFor } from '../../ipc/dispatch.ts';
import type { ChatData } from '../chat-data.ts';

export function chatHandlers(deps: { chat: ChatData }): HandlersFor<'chat' | 'stepIn'> {
  const { chat } = deps;
  return {
    'chat.history': async () => chat.history(),
    'chat.send': async ({ clientId, text }) => chat.send(clientId, text),
    'stepIn.send': async ({ conversation, clientId, text }) => chat.stepIn(conversation, clientId, text),
    'stepIn.resume': async ({ conversation }) => chat.resume(conversation),
  };
}
