// Hostile HTTP requests for the agent's listener, as raw bytes (so nothing a client library would refuse to send
// is left out): malformed request targets and methods, broken and oversized headers, lying lengths and chunking,
// and the webhook routes (/telegram, /whatsapp, /hooks/*) with wrong, missing and forged signatures and mutated
// bodies. Some WhatsApp bodies are correctly signed, so the payload parser behind the signature is reached too.
import { createHmac } from 'node:crypto';
import { textMessage } from '../../fakes/whatsapp-payloads.ts';
import { picker, type Random } from '../../helpers/prng.ts';

export interface HttpInput {
  kind: string;
  bytes: Buffer;
  /** The request promises more than it sends: the server waits for the rest, so give up on it early. */
  incomplete?: boolean;
}

export interface HttpSecrets {
  telegram: string;
  whatsappApp: string;
  whatsappVerify: string;
  whatsappPhoneId: string;
}

const TARGETS = [
  '/',
  '//',
  '///healthz',
  '/%',
  '/%zz',
  '/%%',
  '/%00',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/../../etc/passwd',
  '/healthz?x=%zz&&=&%',
  '/healthz#frag',
  '/telegram?',
  '/whatsapp?hub.mode=subscribe&hub.mode=x',
  '/hooks/',
  '/hooks/%zz',
  '/hooks/%ff%fe',
  '/hooks/..%2f..%2fetc',
  '/hooks/a/b',
  '/hooks/__proto__',
  '/hooks/constructor',
  'http://127.0.0.1/healthz',
  'https://evil.example/telegram',
  '*',
  '',
  'healthz',
  '/\u00e9\u00e8',
  '/\u0000',
];
const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'get',
  'POST ',
  'G\u0000T',
  'BREW',
];
const ROUTES = ['/telegram', '/whatsapp', '/hooks/stripe', '/hooks/deploys', '/hooks/unknown', '/healthz'];

export function httpInputs(random: Random, secrets: HttpSecrets): () => HttpInput {
  const { int, pick, chance, bytes, ascii } = picker(random);
  let updateId = 800_000_000;
  const update = () =>
    JSON.stringify({
      update_id: updateId++,
      message: {
        message_id: 1 + int(1e6),
        date: 1_764_000_000,
        chat: { id: 9000 + int(20), type: 'private', first_name: 'Fuzz' },
        from: { id: 9000 + int(20), is_bot: false, first_name: 'Fuzz' },
        text: 'hello',
      },
    });
  const whatsapp = () =>
    JSON.stringify(
      textMessage(secrets.whatsappPhoneId, {
        from: String(447700900000 + int(50)),
        text: 'hi',
        id: `wamid.fuzz${int(1e9)}`,
      }),
    );
  /** A few random edits: flipped bytes, cuts, repeats, inserted junk. */
  const mutate = (text: string): Buffer => {
    let out = Buffer.from(text);
    for (let n = 1 + int(4); n > 0; n--) {
      const at = int(out.length + 1);
      const edit = int(5);
      if (edit === 0 && out.length > 0) out[Math.min(at, out.length - 1)] = int(256);
      else if (edit === 1) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + int(20))]);
      else if (edit === 2)
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + int(40)), out.subarray(at)]);
      else if (edit === 3)
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from(pick(['"', '{', ']', '\\u', '\u0000', 'null', '1e999', '-'])),
          out.subarray(at),
        ]);
      else out = out.subarray(0, at);
    }
    return out;
  };
  const junkHeaders = (): string[] =>
    pick([
      () => [`X-Junk: ${ascii(int(200))}`],
      () => [`X-Long: ${'a'.repeat(20_000 + int(10_000))}`],
      () => Array.from({ length: 100 + int(200) }, (_, i) => `X-Many-${i}: ${i}`),
      () => ['Bad Header: x'],
      () => ['X-Ctl: a\u0001b'],
      () => [': empty-name'],
      () => ['Content-Length: 5', 'Content-Length: 6'],
      () => [`Content-Length: ${pick(['-1', 'abc', '1e3', '99999999999999999999', ' 3', '0x10'])}`],
      () => ['Transfer-Encoding: chunked', 'Content-Length: 3'],
      () => [`Transfer-Encoding: ${pick(['gzip', 'chunked, chunked', 'identity', 'x'])}`],
      () => [`Host: ${pick(['', 'a'.repeat(300), 'evil.example', '[::1'])}`],
      () => [`Forwarded: for=${ascii(20)}`, `X-Forwarded-For: ${ascii(20)}`],
      () => [`Expect: ${pick(['100-continue', 'nonsense'])}`],
      () => [`Connection: ${pick(['keep-alive', 'Upgrade', 'close, x', ''])}`, 'Upgrade: websocket'],
    ])();
  const request = (
    method: string,
    target: string,
    headers: string[],
    body: Buffer = Buffer.alloc(0),
    { length = body.length, version = 'HTTP/1.1' }: { length?: number | null; version?: string } = {},
  ): Buffer => {
    const lines = [`${method} ${target} ${version}`, 'Host: 127.0.0.1', 'Connection: close', ...headers];
    if (length !== null && !headers.some((h) => /^(content-length|transfer-encoding):/i.test(h)))
      lines.push(`Content-Length: ${length}`);
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  };
  const generators: (() => HttpInput)[] = [
    () => ({ kind: 'target', bytes: request(pick(['GET', 'POST']), pick(TARGETS), []) }),
    () => ({
      kind: 'long-target',
      bytes: request('GET', `/${pick(['a', '%41', '/'])?.repeat(10_000 + int(20_000))}`, []),
    }),
    () => ({ kind: 'method', bytes: request(pick(METHODS), pick(ROUTES), [], bytes(int(50))) }),
    () => ({
      kind: 'headers',
      bytes: request(pick(['GET', 'POST']), pick(ROUTES), junkHeaders(), bytes(int(30))),
    }),
    () => ({
      kind: 'version',
      bytes: request('GET', '/healthz', [], undefined, {
        version: pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP', 'FTP/1.1', '']),
      }),
    }),
    () => ({ kind: 'garbage', bytes: Buffer.concat([bytes(1 + int(300)), Buffer.from('\r\n\r\n')]) }),
    () => {
      const body = bytes(int(500));
      return {
        kind: 'body-short',
        bytes: request('POST', pick(ROUTES), ['Content-Type: application/json'], body, {
          length: body.length + 1 + int(1000),
        }),
        incomplete: true,
      };
    },
    () => {
      // Chunked bodies with broken chunk sizes, extensions and trailers.
      const chunks = pick([
        `5\r\nhello\r\n0\r\n\r\n`,
        `zz\r\nhello\r\n0\r\n\r\n`,
        `5;ext=${ascii(50)}\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n`,
        `ffffffffffffffff\r\nx\r\n`,
        `3\r\nabcdef\r\n0\r\n\r\n`,
        `${'1\r\na\r\n'.repeat(500)}0\r\n\r\n`,
      ]);
      return {
        kind: 'chunked',
        bytes: request('POST', pick(ROUTES), ['Transfer-Encoding: chunked'], Buffer.from(chunks, 'latin1'), {
          length: null,
        }),
        incomplete: true,
      };
    },
    () => ({
      kind: 'too-large',
      bytes: request(
        'POST',
        pick(ROUTES),
        ['Content-Type: application/json'],
        Buffer.alloc(1024 * 1024 + int(200_000), 'x'),
      ),
    }),
    () => ({
      kind: 'telegram',
      bytes: request(
        'POST',
        '/telegram',
        [
          'Content-Type: application/json',
          `X-Telegram-Bot-Api-Secret-Token: ${pick([secrets.telegram, '', ascii(30), secrets.telegram.toUpperCase()])}`,
        ],
        chance(0.5)
          ? mutate(update())
          : Buffer.from(
              pick(['[]', 'null', '{}', '{"update_id":"1"}', `{"update_id":1,"message":${'['.repeat(5000)}`]),
            ),
      ),
    }),
    () => ({
      kind: 'whatsapp-verify',
      bytes: request(
        'GET',
        `/whatsapp?hub.mode=${pick(['subscribe', '', 'x'])}&hub.verify_token=${pick([secrets.whatsappVerify, '', encodeURIComponent(ascii(20)), '%zz'])}&hub.challenge=${pick([String(int(1e9)), '', '%00', 'a'.repeat(5000), '<script>'])}${chance(0.3) ? '&hub.challenge=2' : ''}`,
        [],
      ),
    }),
    () => {
      const body = mutate(whatsapp());
      const how = pick(['signed', 'zeros', 'empty', 'junk', 'none'] as const);
      const signature = {
        signed: `sha256=${createHmac('sha256', secrets.whatsappApp).update(body).digest('hex')}`,
        zeros: `sha256=${'0'.repeat(64)}`,
        empty: 'sha256=',
        junk: ascii(70),
        none: '',
      }[how];
      return {
        kind: `whatsapp-${how}`,
        bytes: request(
          'POST',
          '/whatsapp',
          ['Content-Type: application/json', `X-Hub-Signature-256: ${signature}`],
          body,
        ),
      };
    },
    () => ({
      kind: 'hooks',
      bytes: request(
        'POST',
        pick([
          '/hooks/stripe',
          '/hooks/deploys',
          `/hooks/${encodeURIComponent(ascii(10))}`,
          '/hooks/default',
        ]),
        [
          'Content-Type: application/json',
          pick([
            `Stripe-Signature: ${pick([ascii(40), `t=${int(2e9)},v1=${'a'.repeat(64)}`, 't=,v1=', 'v1=x,v1=y,t=1'])}`,
            `X-Signature-256: ${pick([`sha256=${'0'.repeat(64)}`, ascii(64), 'sha256='])}`,
            `Authorization: ${pick(['Bearer ', `Bearer ${ascii(40)}`, 'Basic x'])}`,
            `X-Event-Id: ${ascii(int(300))}`,
          ]),
        ],
        chance(0.5)
          ? mutate('{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"amount":100}}}')
          : bytes(int(2000)),
      ),
    }),
    () => ({
      kind: 'healthz',
      bytes: request(
        pick(['GET', 'HEAD']),
        `/healthz${pick(['', '?verbose=1', '?%zz'])}`,
        chance(0.5) ? [`X-Forwarded-For: ${ascii(15)}`] : [],
      ),
    }),
  ];
  return () => pick(generators)();
}
