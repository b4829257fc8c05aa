// Bundling shim: pino imports thread-stream (the worker side of log transports) at every start, to be compiled and run.
// The agent logs JSON lines to stdout and never starts a transport. Only used by agent-core/build.mjs (`alias`).
module.exports = class ThreadStream {
  constructor() {
    throw new Error('pino transports are not part of the mono-agent bundle');
  }
};
