// Bundling shim: pino imports thread-stream (and with it worker_threads, ~5 ms of every start) for log transports.
// The agent logs JSON lines to stdout and never starts a transport. Only used by agent-core/build.mjs (`alias`).
module.exports = class ThreadStream {
  constructor() {
    throw new Error('pino transports are not part of the mono-agent bundle');
  }
};
