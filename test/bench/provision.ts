// Provisioning benchmark on a disposable VPS: fresh install (Node runtime excluded), update and rollback times,
// and the switch itself — messages flowing the whole time, by long polling (the gap between the old release's
// last reply and the new one's first, lost and twice-answered counts) and by webhook (deliveries refused while
// the release changes). `node --import tsx test/bench/provision.ts` runs it alone.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deploy, type ProgressEvent, rollback, type Target } from '../../src-main/provision/index.ts';
import { type AgentFakes, startAgentFakes } from '../vps/agent-fakes.ts';
import { buildRelease, createTestKey, removeBuilds, startMirror, tempMonoHome, Vps } from '../vps/harness.ts';
import { describeRefused, longestPause, WEBHOOK_ENV, webhooksDuring } from '../vps/webhook-traffic.ts';
import { describePhases, journalSince, switchPhases, traceSwitch } from './switch-phases.ts';

type Table = { title: string; columns: string[]; rows: (string | number)[][] };

/** Messages every `everyMs` while `work` runs; then the replies' gaps, losses and doubles. */
async function traffic(fakes: AgentFakes, firstChat: number, everyMs: number, work: () => Promise<unknown>) {
  const chats: number[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const chatId = firstChat + chats.length;
      chats.push(chatId);
      fakes.telegram.sendText({ chatId, userId: chatId, text: `during ${chatId}` });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  await new Promise((r) => setTimeout(r, 1000));
  const started = Date.now();
  await work();
  const ended = Date.now();
  await new Promise((r) => setTimeout(r, 1000));
  on = false;
  await loop;
  const deadline = Date.now() + 60_000;
  const replies = () => fakes.telegram.sent.filter((m) => chats.includes(Number(m.chat_id)));
  while (new Set(replies().map((m) => m.chat_id)).size < chats.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1500));
  const { gapMs, gapAt } = longestPause(
    replies().map((m) => m.time),
    started - 1000,
    ended + 1000,
  );
  const counts = new Map<number, number>();
  for (const m of replies()) counts.set(Number(m.chat_id), (counts.get(Number(m.chat_id)) ?? 0) + 1);
  return {
    sent: chats.length,
    gapMs,
    lost: chats.filter((c) => !counts.has(c)).length,
    twice: [...counts.values()].filter((n) => n > 1).length,
    gapAt,
  };
}

export async function bench(): Promise<Table> {
  const key = await createTestKey();
  const home = await tempMonoHome();
  let vps: Vps | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    vps = await Vps.boot(key);
    const mirror = await startMirror(vps.hostIp);
    cleanups.push(() => mirror.close());
    const fakes = await startAgentFakes(vps.hostIp);
    cleanups.push(() => fakes.close());
    const envFile = await fakes.writeEnvFile(home);
    const target: Target = {
      host: vps.host,
      identity: key.identity,
      knownHostsPath: join(home, 'known_hosts'),
      acceptNewHostKey: true,
    };
    const common = {
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      envFile,
    };
    const releases = await Promise.all(['1.0.0', '1.0.1', '1.0.2', '1.0.3'].map((v) => buildRelease(v)));

    const events: ProgressEvent[] = [];
    const fresh = await deploy({
      target,
      releaseDir: releases[0]!,
      ...common,
      onProgress: (e) => events.push(e),
    });
    const nodeMs = events.find((e) => e.step === 'node' && e.status === 'ok')?.elapsed_ms ?? 0;
    /** A step's time: its first `start` event to its `ok` (the health step emits several starts on its own). */
    const at = (name: string) => {
      const start = events.find((e) => e.step === name && e.status === 'start');
      const ok = events.find((e) => e.step === name && e.status === 'ok');
      return start && ok ? Date.parse(ok.time) - Date.parse(start.time) : 0;
    };

    // An update with long polling: Telegram messages every 50 ms all along.
    const freshHealth = at('health');
    events.length = 0;
    let update = 0;
    const polling = await traffic(fakes, 10_000, 50, async () => {
      update = (
        await deploy({ target, releaseDir: releases[1]!, ...common, onProgress: (e) => events.push(e) })
      ).durationMs;
    });
    const bake = at('health');
    const phases = async (label: string, gap: [number, number]) => {
      const journal = await vps!.must(journalSince(gap));
      traceSwitch(label, journal, gap, fakes);
      return describePhases(switchPhases(journal, gap));
    };
    const pollingPhases = await phases('update, long polling', polling.gapAt);

    // `mono rollback`, with the same traffic.
    let back = 0;
    const rolledBack = await traffic(fakes, 20_000, 50, async () => {
      const t = performance.now();
      await rollback({ target });
      back = performance.now() - t;
    });
    const rollbackPhases = await phases('rollback, long polling', rolledBack.gapAt);

    // Webhooks: the agent on its public port in webhook mode; deliveries every 50 ms through the update.
    const webhookEnv = await fakes.writeEnvFile(home, WEBHOOK_ENV);
    await deploy({ target, releaseDir: releases[2]!, ...common, envFile: webhookEnv });
    const hooks = await webhooksDuring(fakes, `http://${vps.host}:7420/telegram`, 30_000, () =>
      deploy({ target, releaseDir: releases[3]!, ...common, envFile: webhookEnv }),
    );
    const hookPhases = await phases('update, webhooks', hooks.gapAt);

    const s = (ms: number) => Math.round(ms / 100) / 10;
    const ok = (b: boolean) => (b ? 'yes' : 'NO');
    return {
      title: 'Provisioning on a disposable VPS (systemd-nspawn, real sshd, 2 shared cores)',
      columns: ['metric', 'unit', 'value', 'target', 'met'],
      rows: [
        ['fresh install, Node runtime excluded', 's', s(fresh.durationMs - nodeMs), '–', '–'],
        ['  Node runtime download + unpack', 's', s(nodeMs), '–', '–'],
        ['  of which health gate incl. 10 s bake', 's', s(freshHealth), '–', '–'],
        ['update incl. health gate and 10 s bake', 's', s(update), '–', '–'],
        ['  of which health gate incl. bake', 's', s(bake), '–', '–'],
        ['mono rollback incl. health gate and bake', 's', s(back), '–', '–'],
        [
          'update: old release’s last reply → new one’s first (polling, msg every 50 ms)',
          'ms',
          polling.gapMs,
          '≤ 300',
          ok(polling.gapMs <= 300),
        ],
        ['  where it went (ms)', 'ms', pollingPhases, '–', '–'],
        [
          `  messages lost / answered twice (of ${polling.sent})`,
          'count',
          `${polling.lost} / ${polling.twice}`,
          '0 / 0',
          ok(polling.lost + polling.twice === 0),
        ],
        ['rollback: last reply → first reply', 'ms', rolledBack.gapMs, '≤ 300', ok(rolledBack.gapMs <= 300)],
        ['  where it went (ms)', 'ms', rollbackPhases, '–', '–'],
        [
          `  messages lost / answered twice (of ${rolledBack.sent})`,
          'count',
          `${rolledBack.lost} / ${rolledBack.twice}`,
          '0 / 0',
          ok(rolledBack.lost + rolledBack.twice === 0),
        ],
        [
          `webhook deliveries refused during an update (of ${hooks.sent})`,
          'count',
          describeRefused(hooks),
          '0',
          ok(hooks.refusedCount === 0),
        ],
        [
          '  delivered webhooks lost / answered twice',
          'count',
          `${hooks.lost} / ${hooks.twice}`,
          '0 / 0',
          ok(hooks.lost + hooks.twice === 0),
        ],
        [
          '  last reply → first reply (webhook every 50 ms)',
          'ms',
          hooks.gapMs,
          '≤ 300',
          ok(hooks.gapMs <= 300),
        ],
        ['    where it went (ms)', 'ms', hookPhases, '–', '–'],
        [
          '  slowest webhook delivery during the update (it waited in the socket)',
          'ms',
          hooks.slowestMs,
          '–',
          '–',
        ],
      ],
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await vps?.stop();
    await rm(home, { recursive: true, force: true });
    await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const table = await bench();
  const cells = [table.columns, ...table.rows.map((r) => r.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  console.log(`\n${table.title}\n`);
  for (const [i, row] of cells.entries()) {
    console.log(`| ${row.map((c, j) => String(c).padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
  process.exit(0);
}
