// Bundling shim: grammY's Node build imports node-fetch (and with it ~300 KB of URL tables); the agent hands
// it Node's own fetch instead. Only used by agent-core/build.mjs (esbuild `alias`).
export default globalThis.fetch;
