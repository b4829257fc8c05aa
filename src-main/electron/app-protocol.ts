// The app:// protocol: serves the built renderer from disk with the strict CSP; anything outside the renderer
// folder, missing, or a folder gets index.html (so no path ever escapes and reloads on any screen work).
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from './security.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export function rendererFile(rendererDir: string, url: string): string {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return join(rendererDir, 'index.html');
  }
  const file = normalize(join(rendererDir, pathname));
  const inside = file.startsWith(rendererDir + sep);
  const isFile = inside && (statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
  return isFile ? file : join(rendererDir, 'index.html');
}

export function rendererResponse(rendererDir: string, url: string): Response {
  const file = rendererFile(rendererDir, url);
  return new Response(readFileSync(file), {
    headers: {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    },
  });
}
