// The owner's chat commands, answered by MONO itself (never by Claude, and so never by a prompt):
// /status, /pause, /resume [skip], /budget [day|month <usd>|off], /jobs, /yes, /no, /help.
import type { Surreal } from 'surrealdb';
import type { Settings } from '../agent/settings.ts';
import { formatUsd } from '../budget/budget.ts';
import { type BudgetGuard, budgetResumes } from '../budget/guard.ts';
import { spending } from '../budget/usage.ts';
import { DAILY_CAP_SETTING, MAX_CAP_USD, MONTHLY_CAP_SETTING } from '../contract/budget-caps.ts';
import type { ChannelState } from '../contract/tables.ts';
import { listJobs } from '../jobs/job-store.ts';
import { decideActions } from '../tools/confirmations.ts';
import type { AgentTool, ToolContext } from '../tools/tool.ts';
import type { PauseState } from './pause.ts';

export interface Command {
  name: string;
  args: string[];
}

const NAMES = new Set(['status', 'pause', 'resume', 'budget', 'jobs', 'yes', 'no', 'help']);

/** "/budget day 5" → { name: 'budget', args: ['day', '5'] }; undefined for anything else (including "/unknown"). */
export function parseCommand(text: string): Command | undefined {
  const match = /^\/([a-z]+)(?:@\w+)?(?:\s+(.*))?$/is.exec(text.trim());
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  if (!NAMES.has(name)) return undefined;
  return { name, args: (match[2] ?? '').trim().split(/\s+/).filter(Boolean) };
}

export interface CommandDeps {
  db: Surreal;
  settings: Settings;
  budget: BudgetGuard;
  pause: PauseState;
  /** Messages that arrived while paused: answered on /resume, or dropped with /resume skip. */
  held: { release(skip: boolean): Promise<number> };
  version: string;
  startedAt: number;
  channels(): Record<string, ChannelState>;
  tools(): readonly AgentTool[];
  /** The owner's IANA time zone: /budget says in it when a spent budget starts over. */
  timezone(): string;
}

export class OwnerCommands {
  constructor(private readonly deps: CommandDeps) {}

  async run(command: Command, context: ToolContext): Promise<string> {
    switch (command.name) {
      case 'status':
        return this.#status();
      case 'pause':
        await this.deps.pause.set(true);
        return 'Paused: I will not call Claude or run jobs until you send /resume.';
      case 'resume': {
        const skip = command.args[0]?.toLowerCase() === 'skip';
        await this.deps.pause.set(false);
        const waiting = await this.deps.held.release(skip);
        if (waiting === 0) return 'Resumed: I am answering again.';
        const count = `${waiting} message${waiting === 1 ? '' : 's'} that arrived while paused`;
        return skip
          ? `Resumed: I am answering again. ${count} will not be answered, as you asked.`
          : `Resumed: I am answering again, starting with ${count} (oldest first).`;
      }
      case 'budget':
        return this.#budget(command.args);
      case 'jobs':
        return this.#jobs();
      case 'yes':
      case 'no': {
        const tools = new Map(this.deps.tools().map((tool) => [tool.name, tool]));
        const lines = await decideActions(
          this.deps.db,
          context.conversation,
          command.name === 'yes',
          tools,
          context,
        );
        return lines.length > 0 ? lines.join('\n') : 'There is nothing waiting for your confirmation.';
      }
      default:
        return [
          '/status — version, uptime, today’s cost, channels',
          '/pause, /resume — stop and restart answering and jobs (/resume skip: leave what arrived meanwhile unanswered)',
          '/budget — spending and caps; /budget day 5, /budget month 50, /budget day off',
          '/jobs — scheduled jobs and reminders',
          '/yes, /no — confirm or cancel what I asked you about',
        ].join('\n');
    }
  }

  async #status(): Promise<string> {
    const now = new Date();
    const spent = await spending(this.deps.db, now);
    const paused = await this.deps.pause.paused();
    const uptime = Math.round((Date.now() - this.deps.startedAt) / 1000);
    const channels = Object.entries(this.deps.channels())
      .map(([name, state]) => `${name}: ${state}`)
      .join(', ');
    return [
      `MONO ${this.deps.version}${paused ? ' — paused' : ''}`,
      `Up for ${formatDuration(uptime)}`,
      `Cost today: ${formatUsd(spent.day)} (this month ${formatUsd(spent.month)})`,
      `Channels: ${channels || 'none'}`,
    ].join('\n');
  }

  async #budget(args: string[]): Promise<string> {
    const [period, amount] = args;
    if (period === 'day' || period === 'month') {
      const key = period === 'day' ? DAILY_CAP_SETTING : MONTHLY_CAP_SETTING;
      if (amount === 'off' || amount === '0') {
        await this.deps.settings.set(key, null);
        return `The ${period === 'day' ? 'daily' : 'monthly'} cap is off.`;
      }
      const value = parseUsd(amount);
      if (value === undefined)
        return `Give the cap in US dollars and cents, up to $${MAX_CAP_USD.toLocaleString('en-US')}, e.g. /budget ${period} ${period === 'day' ? 5 : 50} or /budget ${period} ${period === 'day' ? '2.50' : '50.50'}, or /budget ${period} off.`;
      await this.deps.settings.set(key, value);
    } else if (period !== undefined) {
      return 'Use /budget, /budget day <usd>, /budget month <usd>, or /budget day off.';
    }
    const caps = this.deps.budget.caps();
    const spent = await spending(this.deps.db, new Date());
    const state = await this.deps.budget.check();
    return [
      `Today: ${formatUsd(spent.day)} of ${caps.dayUsd ? formatUsd(caps.dayUsd) : 'no cap'}`,
      `This month: ${formatUsd(spent.month)} of ${caps.monthUsd ? formatUsd(caps.monthUsd) : 'no cap'}`,
      state.over
        ? `Over the ${state.period} cap: I am not calling Claude until ${budgetResumes(state, this.deps.timezone())}.`
        : 'Within budget.',
    ].join('\n');
  }

  async #jobs(): Promise<string> {
    const jobs = await listJobs(this.deps.db);
    if (jobs.length === 0) return 'No scheduled jobs or reminders.';
    return jobs.map((job) => `• ${job.name} — ${job.when} (${job.id})`).join('\n');
  }
}

/**
 * A cap as the owner writes it: a plain decimal amount in dollars ("5", "$12.50", ".5"), above 0 and at most
 * MAX_CAP_USD, and one the /budget reply shows exactly (cents; below a cent, up to four decimals); undefined for
 * anything else. Number() alone took "0x10" as 16, "1e-300" as a cap shown as $0.0000, and "1e16" as a cap no
 * one means (and then past what the datastore stores exactly).
 */
export function parseUsd(text: string | undefined): number | undefined {
  const match = /^\$?(\d*(?:\.\d{1,4})?)$/.exec(text ?? '');
  if (!match || !/\d/.test(match[1]!)) return undefined;
  const value = Number(match[1]);
  if (!(value > 0 && value <= MAX_CAP_USD)) return undefined;
  return Number(formatUsd(value).slice(1)) === value ? value : undefined;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}
