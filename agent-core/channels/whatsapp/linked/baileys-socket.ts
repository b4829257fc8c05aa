// The production socket: Baileys (WhatsApp Web's multi-device protocol) with its auth state in files in the
// data dir, so a restart or an update reconnects without a new QR. Imported lazily: only linked mode loads it.
import type { MediaDownloader, SocketFactory } from './socket.ts';

/** `webSocketUrl` replaces WhatsApp's server (tests point it at a local one). */
export const baileysSocketFactory = async ({
  authDir,
  log,
  webSocketUrl,
}: Parameters<SocketFactory>[0] & { webSocketUrl?: string }): ReturnType<SocketFactory> => {
  const baileys = await import('baileys');
  const { state, saveCreds } = await baileys.useMultiFileAuthState(authDir);
  const sock = baileys.makeWASocket({
    auth: state,
    // Baileys logs every frame at debug: keep only its warnings (or less, when MONO's own level is stricter).
    logger: log.child({ part: 'baileys' }, { level: stricter(log.level, 'warn') }) as never,
    browser: baileys.Browsers.ubuntu('MONO'),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    // Do not fetch media or history the agent does not use.
    shouldSyncHistoryMessage: () => false,
    ...(webSocketUrl ? { waWebSocketUrl: webSocketUrl } : {}),
  });
  sock.ev.on('creds.update', () => void saveCreds());
  return {
    onConnection: (listener) => sock.ev.on('connection.update', (update) => listener(update as never)),
    onMessages: (listener) => sock.ev.on('messages.upsert', (upsert) => listener(upsert as never)),
    onFrame: (listener) => void sock.ws.on('frame', () => listener()),
    get registered() {
      return Boolean(state.creds.registered);
    },
    get userId() {
      return sock.user?.id;
    },
    get userLid() {
      return sock.user?.lid;
    },
    requestPairingCode: (phone) => sock.requestPairingCode(phone),
    async sendText(jid, text) {
      const sent = await sock.sendMessage(jid, { text });
      return sent?.key.id ?? undefined;
    },
    markRead: (keys) => sock.readMessages(keys as never),
    typing: (jid) => sock.sendPresenceUpdate('composing', jid),
    end: (reason) => void sock.end(reason),
  };
};

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const stricter = (a: string, b: string) => (LEVELS.indexOf(a) > LEVELS.indexOf(b) ? a : b);

/** WhatsApp's media servers (mmg.whatsapp.net and its regional hosts). */
const WHATSAPP_MEDIA_HOSTS = /(^|\.)whatsapp\.net$/;

/**
 * Baileys' download of an encrypted media file: the key stored with the message derives the AES key (per media
 * type), the file comes from WhatsApp's media host (`direct_path`), or from `url` when there is no path. The
 * URL is part of the message its sender's app built, so only WhatsApp's own hosts are fetched from (tests pass
 * their local server's host).
 */
export const baileysMediaDownloader =
  (mediaHosts: RegExp = WHATSAPP_MEDIA_HOSTS): MediaDownloader =>
  async (source, { signal }) => {
    const target = typeof source.url === 'string' ? safeUrl(source.url) : undefined;
    if (typeof source.url === 'string' && (!target || !mediaHosts.test(target.hostname))) {
      throw new Error(`not a WhatsApp media address: ${target?.hostname ?? 'unparsable'}`);
    }
    if (typeof source.direct_path === 'string' && !source.direct_path.startsWith('/')) {
      throw new Error('not a WhatsApp media path');
    }
    const baileys = await import('baileys');
    const mediaKey = Buffer.from(String(source.media_key ?? ''), 'base64');
    const type = String(source.media_type ?? '') as Parameters<typeof baileys.downloadContentFromMessage>[1];
    return baileys.downloadContentFromMessage(
      {
        mediaKey,
        ...(typeof source.direct_path === 'string' ? { directPath: source.direct_path } : {}),
        ...(typeof source.url === 'string' ? { url: source.url } : {}),
      },
      type,
      signal ? { options: { signal } } : {},
    );
  };

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
