// A stand-in for Baileys' socket (WhatsApp's servers cannot be reached from tests): the test plays WhatsApp's
// side — QR codes, open/close with Baileys' disconnect codes, incoming messages, frames — and sees every call.
import { EventEmitter } from 'node:events';
import type {
  ConnectionUpdate,
  LinkedMessage,
  LinkedMessageKey,
  LinkedSocket,
  SocketFactory,
} from '../../agent-core/channels/whatsapp/linked/socket.ts';

/** Baileys' errors are Boom objects with output.statusCode. */
export function boom(statusCode: number, message = 'Connection Failure'): Error {
  return Object.assign(new Error(message), { output: { statusCode } });
}

export class FakeLinkedSocket implements LinkedSocket {
  readonly events = new EventEmitter();
  readonly sent: { jid: string; text: string; id: string }[] = [];
  readonly reads: LinkedMessageKey[] = [];
  readonly typings: string[] = [];
  readonly pairingRequests: string[] = [];
  ended: Error | undefined | null = null;
  registered: boolean;
  userId: string | undefined;
  userLid: string | undefined;
  #next = 1;

  constructor(
    readonly authDir: string,
    registered = false,
  ) {
    this.registered = registered;
  }

  onConnection(listener: (update: ConnectionUpdate) => void): void {
    this.events.on('connection', listener);
  }
  onMessages(listener: (upsert: { messages: LinkedMessage[]; type: string }) => void): void {
    this.events.on('messages', listener);
  }
  onFrame(listener: () => void): void {
    this.events.on('frame', listener);
  }
  async requestPairingCode(phone: string): Promise<string> {
    this.pairingRequests.push(phone);
    return 'ABCD1234';
  }
  async sendText(jid: string, text: string): Promise<string> {
    const id = `3EB0${(this.#next++).toString(16).padStart(16, '0').toUpperCase()}`;
    this.sent.push({ jid, text, id });
    return id;
  }
  async markRead(keys: LinkedMessageKey[]): Promise<void> {
    this.reads.push(...keys);
  }
  async typing(jid: string): Promise<void> {
    this.typings.push(jid);
  }
  end(reason?: Error): void {
    this.ended = reason;
  }

  // WhatsApp's side.
  qr(code = `2@${Math.random().toString(36).slice(2)},key,adv`): void {
    this.events.emit('connection', { qr: code });
  }
  open(userId = '4915112345678:12@s.whatsapp.net', userLid?: string): void {
    this.userId = userId;
    this.userLid = userLid;
    this.registered = true;
    this.events.emit('connection', { connection: 'open' });
  }
  close(statusCode: number): void {
    this.events.emit('connection', { connection: 'close', lastDisconnect: { error: boom(statusCode) } });
  }
  frame(): void {
    this.events.emit('frame');
  }
  text(from: string, text: string, extra: Partial<LinkedMessage> = {}): LinkedMessage {
    const message: LinkedMessage = {
      key: { id: `MSG${this.#next++}`, remoteJid: `${from}@s.whatsapp.net`, fromMe: false },
      pushName: 'Anna',
      messageTimestamp: Math.floor(Date.now() / 1000),
      message: { conversation: text },
      ...extra,
    };
    this.events.emit('messages', { messages: [message], type: 'notify' });
    return message;
  }
  deliver(messages: LinkedMessage[], type = 'notify'): void {
    this.events.emit('messages', { messages, type });
  }
}

/** A SocketFactory handing out FakeLinkedSockets; `sockets` is every one created, newest last. */
export function fakeSocketFactory(options: { registered?: boolean } = {}) {
  const sockets: FakeLinkedSocket[] = [];
  const factory: SocketFactory = async ({ authDir }) => {
    const socket = new FakeLinkedSocket(authDir, options.registered ?? false);
    sockets.push(socket);
    return socket;
  };
  return { factory, sockets };
}
