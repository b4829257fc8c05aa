// The bridge's handshake as both ends see it (no Node imports: the renderer bundles this file too). A page
// proves it holds the bridge key by answering a random challenge with HMAC-SHA256(key, context + challenge);
// the key itself never travels on the socket.

/** Server → page, first frame of every socket. */
export type BridgeHello = { challenge: string };
/** Page → server, the only frame accepted before admission. */
export type BridgeAuth = { auth: string };
/** Server → page once admitted; requests and events follow. */
export type BridgeReady = { ready: true };

/** A WebSocket close code in the private range: "not admitted" (the page says where the right address is). */
export const CLOSE_UNAUTHORIZED = 4401;
/** Prefixed to the challenge so a MAC made for the bridge can never be replayed as anything else. */
export const AUTH_CONTEXT = 'mono-bridge-v1:';
