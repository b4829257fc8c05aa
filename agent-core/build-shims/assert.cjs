// Bundling shim: sonic-boom (under pino) and a few others import node:assert at load, which compiles Node's
// assertion and colour modules (~5 ms of every start) for checks that rarely run. This loads it when first used.
// Only used by agent-core/build.mjs (esbuild `alias`).
let real;
const load = () => {
  real ??= require('node:assert');
  return real;
};
module.exports = new Proxy(function assert() {}, {
  apply: (_target, _self, args) => load()(...args),
  get: (_target, key) => load()[key],
});
