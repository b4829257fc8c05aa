// Bundling shim: grammY's Node build imports node-fetch (and with it ~300 KB of URL tables); the agent hands
// it Node's own fetch instead. Only used by agent-core/build.mjs (esbuild `alias`). Looked up on each call:
// touching globalThis.fetch at load would make Node load undici (~20 ms, ~12 MB) before the first request.
export default (...args) => globalThis.fetch(...args);
