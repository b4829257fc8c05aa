// Builds the renderer (src-renderer/) into dist/renderer/, served by Electron's app:// protocol or the bridge.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { METHOD_NAMES } from './src-main/ipc/contract.ts';

export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  // The bridge client builds `window.mono` from the contract's method names, without bundling its schemas.
  define: { __MONO_METHODS__: JSON.stringify(METHOD_NAMES) },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    // Inline assets would need a looser CSP; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
