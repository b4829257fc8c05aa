// The window and page security rules Electron is handed: isolation and sandbox on, Node off, a strict CSP,
// only the app's own frame trusted, and only known https links leave the app.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONTENT_SECURITY_POLICY,
  isExternalLinkAllowed,
  isTrustedFrameUrl,
  mainWindowOptions,
} from '../../src-main/electron/security.ts';
import { METHOD_NAMES } from '../../src-main/ipc/contract.ts';

test('the main window is isolated, sandboxed and has no Node', () => {
  const options = mainWindowOptions({ preload: '/app/preload.cjs', icon: '/app/icon.png' });
  const web = options.webPreferences ?? {};
  assert.equal(web.contextIsolation, true);
  assert.equal(web.sandbox, true);
  assert.equal(web.nodeIntegration, false);
  assert.equal(web.nodeIntegrationInWorker, false);
  assert.equal(web.webSecurity, true);
  assert.equal(web.webviewTag, false);
  assert.equal(web.allowRunningInsecureContent, false);
  assert.equal(web.preload, '/app/preload.cjs');
  assert.equal(options.show, false, 'shown once ready, no white flash');
  const names = web.additionalArguments?.[0]?.replace('--mono-methods=', '').split(',') ?? [];
  assert.deepEqual(
    names.sort(),
    [...METHOD_NAMES].sort(),
    'the preload gets every method, derived from the contract',
  );
});

test('the CSP allows only our own scripts and styles and the loopback bridge', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('style-src'), ["'self'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|(^|\s)\*(\s|;|$)|https?:\/\/\*/);
  assert.deepEqual(directives.get('connect-src'), ["'self'", 'ws://127.0.0.1:*']);
});

test('only the app origin may call IPC', () => {
  assert.equal(isTrustedFrameUrl('app://mono/index.html'), true);
  assert.equal(isTrustedFrameUrl('app://mono/'), true);
  assert.equal(isTrustedFrameUrl('app://evil/index.html'), false);
  assert.equal(isTrustedFrameUrl('https://mono.example/index.html'), false);
  assert.equal(isTrustedFrameUrl('file:///tmp/index.html'), false);
  assert.equal(isTrustedFrameUrl(undefined), false);
  assert.equal(isTrustedFrameUrl('not a url'), false);
});

test('only known https links open outside; everything else is dropped', () => {
  assert.equal(isExternalLinkAllowed('https://t.me/my_mono_bot'), true);
  assert.equal(isExternalLinkAllowed('http://t.me/my_mono_bot'), false);
  assert.equal(isExternalLinkAllowed('https://t.me.evil.com/x'), false);
  assert.equal(isExternalLinkAllowed('file:///etc/passwd'), false);
  assert.equal(isExternalLinkAllowed('javascript:alert(1)'), false);
});

test('app:// serves only files inside the renderer folder, with the CSP; everything else is the app page', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { rendererFile, rendererResponse } = await import('../../src-main/electron/app-protocol.ts');
  const dir = mkdtempSync(join(tmpdir(), 'mono-app-'));
  try {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<title>MONO</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'ok');
    assert.equal(rendererFile(dir, 'app://mono/assets/app.js'), join(dir, 'assets', 'app.js'));
    for (const url of [
      'app://mono/',
      'app://mono/assets',
      'app://mono/../../etc/passwd',
      'app://mono/%2e%2e/secret',
      'app://mono/jobs',
    ]) {
      assert.equal(rendererFile(dir, url), join(dir, 'index.html'), url);
    }
    const response = rendererResponse(dir, 'app://mono/index.html');
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.match(await response.text(), /MONO/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
