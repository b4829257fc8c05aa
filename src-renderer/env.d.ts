// Vite's client types (CSS imports, import.meta.env) for the renderer.
/// <reference types="vite/client" />

/** Every IPC method name, derived from src-main/ipc/contract.ts at build time (vite.config.ts). */
declare const __MONO_METHODS__: readonly string[];
