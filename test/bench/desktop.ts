// Desktop benchmark (`npm run bench -- desktop`): first render of a 10,000-message thread (scripted backend over
// the real bridge, real Chromium), and sync latency from a row written in the agent's datastore to the change
// visible in the page (real agent, real hub, real SDK).
import { Surreal } from 'surrealdb';
import WebSocket from 'ws';
import { DATABASE, NAMESPACE } from '../../agent-core/contract/tables.ts';
import { HUB_USER, hubPassword } from '../../src-main/services/local-mode.ts';
import { startFixture } from '../renderer/fixture-backend.ts';
import { ensureRendererBuilt, launchChromium, startStack } from '../renderer/harness.ts';
import { completeSetup } from '../renderer/setup.ts';

type Table = { title: string; columns: string[]; rows: (string | number)[][] };

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** Time from clicking a 10,000-message conversation to its newest message painted, over several opens. */
export async function firstRender(runs = 7): Promise<number[]> {
  ensureRendererBuilt();
  const fixture = await startFixture({ threadSize: 10_000 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.goto(fixture.bridge.openUrl);
      await page.getByTestId('conversation-item').first().waitFor();
      const ms = await page.evaluate(async () => {
        const item = document.querySelector('[data-testid="conversation-item"]') as HTMLElement;
        const start = performance.now();
        item.click();
        for (;;) {
          await new Promise((r) => requestAnimationFrame(() => r(undefined)));
          const thread = document.querySelector('[data-testid="thread"]');
          if (thread?.textContent?.includes('Answer number 9998')) return performance.now() - start;
        }
      });
      times.push(ms);
    }
    return times;
  } finally {
    await browser.close();
    await fixture.close();
  }
}

/** Rows written by another SurrealDB client through the hub → visible in the open thread (epoch ms both sides). */
export async function syncLatency(samples = 40): Promise<number[]> {
  const stack = await startStack();
  const db = new Surreal({ websocketImpl: WebSocket as unknown as typeof globalThis.WebSocket });
  try {
    await completeSetup(stack.app);
    const port = stack.app.services.prefs.get().hubPort;
    await db.connect(`ws://127.0.0.1:${port}/rpc`, { reconnect: false, versionCheck: false });
    await db.signin({
      namespace: NAMESPACE,
      database: DATABASE,
      username: HUB_USER,
      password: hubPassword(stack.app.services.vault).reveal(),
    });
    await db.use({ namespace: NAMESPACE, database: DATABASE });
    await db.query(
      "UPSERT conversation:bench CONTENT { channel: 'telegram', chat_id: 'bench', title: 'Benchmark', unread: 0, last_message_at: time::now() }",
    );
    const { page } = stack;
    await page.reload();
    const item = page.getByTestId('conversation-item').filter({ hasText: 'Benchmark' });
    await item.waitFor({ timeout: 20_000 });
    await item.click();
    await page.getByTestId('thread').waitFor();
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __seen: Record<string, number> }).__seen = seen;
      new MutationObserver(() => {
        const now = performance.timeOrigin + performance.now();
        for (const el of document.querySelectorAll('[data-testid="thread"] .msg-text')) {
          const text = el.textContent ?? '';
          if (text.startsWith('bench-') && seen[text] === undefined) seen[text] = now;
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const text = `bench-${i}`;
      const written = performance.timeOrigin + performance.now();
      await db.query(
        "CREATE message CONTENT { conversation: conversation:bench, channel: 'telegram', direction: 'in', role: 'user', text: $text, status: 'ignored' }",
        { text },
      );
      const visible = await page.waitForFunction(
        (t) => (window as unknown as { __seen: Record<string, number> }).__seen[t],
        text,
        { timeout: 10_000, polling: 'raf' },
      );
      latencies.push(Number(await visible.jsonValue()) - written);
    }
    return latencies;
  } finally {
    await db.close().catch(() => {});
    await stack.close();
  }
}

export async function bench(): Promise<Table> {
  const render = await firstRender();
  let sync: number[] | string;
  try {
    sync = await syncLatency();
  } catch (error) {
    sync = `n/a (${(error as Error).message.split('\n')[0]})`;
  }
  const row = (metric: string, values: number[] | string, p: number, target: number) =>
    typeof values === 'string'
      ? [metric, 'ms', values, `≤ ${target}`, '—']
      : [metric, 'ms', percentile(values, p), `≤ ${target}`, percentile(values, p) <= target ? 'yes' : 'NO'];
  return {
    title: 'Desktop: live sync and thread rendering (bridge + Chromium on this machine)',
    columns: ['metric', 'unit', 'value', 'target', 'met'],
    rows: [
      row('sync latency row written → visible, p50', sync, 50, 100),
      row('sync latency row written → visible, p99', sync, 99, 250),
      row('first render of a 10,000-message thread, p50', render, 50, 200),
      row('first render of a 10,000-message thread, max', render, 100, 400),
    ],
  };
}
