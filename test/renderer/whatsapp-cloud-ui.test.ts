// WhatsApp Business (Cloud API) set up from the desktop: the owner gets everything Meta's webhook form asks for
// (the callback URL's path and port, a verify token to copy), and the agent then answers Meta's subscription
// check with exactly that token — while neither the token nor the app secret ever comes back to the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  FAKE_WHATSAPP_APP_SECRET,
  FAKE_WHATSAPP_PHONE_ID,
  FAKE_WHATSAPP_TOKEN,
  FAKE_WHATSAPP_VERIFY_TOKEN,
  type FakeWhatsAppGraph,
} from '../fakes/whatsapp-graph-server.ts';
import { type Stack, screenshot, startStack } from './harness.ts';
import { reachWhatsAppStep } from './local-setup.ts';

let stack: Stack;
let graph: FakeWhatsAppGraph;
/** The verify token the wizard suggested and the owner kept. */
let kept = '';

before(async () => {
  stack = await startStack({ whatsapp: true });
  graph = stack.whatsapp!;
});
after(async () => {
  await stack?.close();
});

/** Meta's GET /whatsapp check against the agent as it runs now (its port changes when it restarts). */
async function metaChecks(token: string) {
  const httpUrl = stack.app.services.agent.status().httpUrl;
  assert.ok(httpUrl, 'the agent runs');
  return graph.verifySubscription(`${httpUrl}/whatsapp`, token);
}

async function waitForCheck(token: string, status: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await metaChecks(token).catch((error: Error) => error.message);
    if (typeof last === 'object' && (last as { status: number }).status === status) return;
    if (Date.now() > deadline)
      assert.fail(`Meta's check with ${token} did not get ${status}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('the Cloud form suggests a verify token to copy and says what Meta needs for the callback URL', {
  timeout: 90_000,
}, async () => {
  const { page } = stack;
  await reachWhatsAppStep(stack);
  await page.getByRole('radio', { name: /WhatsApp Business \(Cloud API\)/ }).click();

  const guide = (await page.getByTestId('whatsapp-webhook-guide').textContent()) ?? '';
  assert.match(guide, /Callback URL.*public https:\/\/ address ending in \/whatsapp/);
  assert.match(guide, /HTTP port 7420/);
  assert.match(guide, /subscribe the messages field/);

  const field = page.getByLabel('Verify token');
  const first = await field.inputValue();
  assert.match(first, /^[A-Za-z0-9_-]{20,}$/, 'URL-safe and long enough to be unguessable');
  await page.getByText("Paste it into Meta's webhook form.").waitFor();
  // A new suggestion each time the form opens (made in the page, never by main).
  await page.reload();
  await page.getByRole('radio', { name: /WhatsApp Business \(Cloud API\)/ }).click();
  kept = await field.inputValue();
  assert.match(kept, /^[A-Za-z0-9_-]{20,}$/);
  assert.notEqual(kept, first);

  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await page.getByText("Copied — paste it into Meta's webhook form.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), kept);

  await field.fill('too-shrt');
  assert.equal(await page.getByRole('alert').count(), 0, '8 characters are enough');
  await field.fill('short');
  await page.getByRole('alert').filter({ hasText: 'Use 8 to 200 characters' }).waitFor();
  await field.fill(kept);
  await screenshot(page, 'wizard-whatsapp-cloud');
});

test('saved with the kept token, the agent answers Meta’s subscription check with exactly that token', {
  timeout: 120_000,
}, async () => {
  const { page, app } = stack;
  await page.getByLabel('Phone number ID').fill(FAKE_WHATSAPP_PHONE_ID);
  await page.getByLabel('Permanent access token').fill(FAKE_WHATSAPP_TOKEN);
  await page.getByLabel('App secret').fill(FAKE_WHATSAPP_APP_SECRET);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { name: 'Where should your agent live?' }).waitFor({ timeout: 30_000 });
  assert.equal(app.services.vault.get('whatsapp_verify_token')?.reveal(), kept);

  await page.getByRole('button', { name: 'Run on this computer' }).click();
  await page.getByRole('heading', { name: 'Your agent is alive' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  await page.getByTestId('agent-state').filter({ hasText: 'Agent online' }).waitFor({ timeout: 30_000 });

  const ok = await metaChecks(kept);
  assert.deepEqual({ status: ok.status, body: ok.body }, { status: 200, body: ok.challenge });
  for (const wrong of [`${kept}x`, kept.slice(1), FAKE_WHATSAPP_VERIFY_TOKEN, '']) {
    const refused = await metaChecks(wrong);
    assert.equal(refused.status, 403, `the agent accepted ${JSON.stringify(wrong)}`);
    assert.notEqual(refused.body, refused.challenge);
  }
});

test('the stored secrets never come back to the page, before or after a reload', {
  timeout: 60_000,
}, async () => {
  const { page, app, frames } = stack;
  const secrets = { kept, appSecret: FAKE_WHATSAPP_APP_SECRET, accessToken: FAKE_WHATSAPP_TOKEN };
  // Up to now: only the page's own wizard.saveWhatsApp request carried them.
  for (const [name, value] of Object.entries(secrets)) {
    const carrying = frames.filter((frame) => frame.includes(value));
    assert.ok(carrying.length >= 1, `${name} was sent by the page once`);
    assert.ok(
      carrying.every((frame) => /"method":"wizard\.saveWhatsApp"/.test(frame)),
      `${name} came back from main in a frame`,
    );
  }
  const before = frames.length;
  await page.reload();
  await page.getByRole('link', { name: /Integrations/ }).click();
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'WhatsApp' }) });
  await card.getByTestId('whatsapp-verify-token').filter({ hasText: 'A verify token is set' }).waitFor();
  await card.getByTestId('whatsapp-webhook-guide').filter({ hasText: '/whatsapp' }).waitFor();
  await screenshot(page, 'integrations-whatsapp-cloud');
  const after = frames.slice(before);
  assert.ok(after.length > 5, `frames were recorded after the reload (${after.length})`);
  const state = JSON.stringify(await app.services.handlers['app.state'](undefined));
  assert.match(state, /"whatsapp_verify_token","set":true/);
  for (const [name, value] of Object.entries(secrets)) {
    assert.equal(after.filter((frame) => frame.includes(value)).length, 0, `${name} reached the page`);
    assert.ok(!state.includes(value), `${name} is in app.state`);
    assert.ok(!(await page.content()).includes(value), `${name} is in the page`);
  }
});

test('a new verify token set in Integrations replaces the old one in the agent', {
  timeout: 120_000,
}, async () => {
  const { page, app } = stack;
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'WhatsApp' }) });
  await card.getByRole('button', { name: 'Set a new verify token' }).click();
  const fresh = await card.getByLabel('Verify token').inputValue();
  assert.match(fresh, /^[A-Za-z0-9_-]{20,}$/);
  assert.notEqual(fresh, kept);
  await card.getByRole('button', { name: 'Save verify token' }).click();
  await card
    .getByText("Saved. Enter the same verify token in Meta's webhook form")
    .waitFor({ timeout: 60_000 });
  assert.equal(app.services.vault.get('whatsapp_verify_token')?.reveal(), fresh);
  await waitForCheck(fresh, 200);
  assert.equal((await metaChecks(kept)).status, 403, 'the old token no longer verifies');
});
