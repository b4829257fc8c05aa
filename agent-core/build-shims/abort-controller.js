// Bundling shim: grammY's Node build imports the abort-controller polyfill; Node has had its own since v15.
export const AbortController = globalThis.AbortController;
export const AbortSignal = globalThis.AbortSignal;
export default globalThis.AbortController;
