// A bare SurrealDB RPC client (ws + the SDK's CBOR codec) for what the SDK will not send: another connection's
// transaction id, requests without signing in, frames from a connection that never signs in, malformed bytes.
import { CborCodec } from 'surrealdb';
import { WebSocket } from 'ws';

/** One answer of the hub, as `RawRpcClient.call` resolves it. */
export type RpcAnswer = { result?: unknown; error?: { message: string; kind?: string } };

/** The first statement's result of a query answer, or what went wrong (the error's message, or `ERR …`). */
export function firstResult(answer: RpcAnswer): unknown {
  if (answer.error) return answer.error.message;
  const [first] = answer.result as { status: string; result: unknown }[];
  return first?.status === 'OK' ? first.result : `ERR ${String(first?.result)}`;
}

export class RawRpcClient {
  readonly #codec = new CborCodec({});
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (response: RpcAnswer) => void>();
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  /** The WebSocket close code, once closed. */
  closeCode: number | undefined;
  /** Answers to no pending request: a second answer to one request, or one to a request never sent. */
  strays = 0;
  /** Whether the hub's pings are answered; turned off, the client behaves like a peer whose network vanished. */
  answerPings = true;
  #nextId = 0;

  constructor(url: string) {
    this.#socket = new WebSocket(url, 'cbor', { autoPong: false });
    this.#socket.on('ping', (data: Buffer) => {
      if (this.answerPings) this.#socket.pong(data);
    });
    this.opened = new Promise((resolve, reject) => {
      this.#socket.once('open', () => resolve());
      this.#socket.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.#socket.once('close', (code: number, reason: Buffer) => {
        this.closeCode = code;
        // A request the hub never answered fails instead of hanging the test.
        for (const answer of this.#pending.values())
          answer({ error: { message: `connection closed (${code} ${reason.toString()})` } });
        this.#pending.clear();
        resolve();
      }),
    );
    this.#socket.on('message', (data: Buffer) => {
      const message = this.#codec.decode(new Uint8Array(data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const answer = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
      if (answer) {
        answer(message);
        this.#pending.delete(message.id as number);
      } else if (message.id !== undefined) this.strays += 1;
    });
  }

  async call(method: string, params?: unknown[], extra: Record<string, unknown> = {}) {
    await this.opened;
    if (this.#socket.readyState !== this.#socket.OPEN) return { error: { message: 'connection closed' } };
    const id = ++this.#nextId;
    const answer = new Promise<RpcAnswer>((resolve) => this.#pending.set(id, resolve));
    this.#socket.send(this.#codec.encode({ id, method, ...(params ? { params } : {}), ...extra }));
    return answer;
  }

  /** Sends bytes as they are (a malformed or oversized frame), binary unless given a string. */
  async send(frame: Uint8Array | string): Promise<void> {
    await this.opened;
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(frame);
  }

  close(): Promise<void> {
    this.#socket.close();
    return this.closed;
  }
}
