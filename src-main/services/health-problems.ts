// What is wrong with the agent right now, each as one line saying what and one line saying what to do: from its
// status row (channels, Claude, owner), the local process and the connection. Every screen, the banner and the tray
// show these same lines, so they never disagree.
import type { AgentStatusRow } from '../../agent-core/contract/tables.ts';
import type { HealthProblem, SyncState } from '../ipc/contract.ts';

export interface HealthFacts {
  mode: 'local' | 'vps' | null;
  sync: SyncState;
  status?: Pick<AgentStatusRow, 'channels' | 'claude'> & { has_owner?: boolean };
  /** Local mode: the agent process stopped and is being restarted, with its own reason. */
  stopped?: { reason?: string };
}

const CHANNEL = { telegram: 'Telegram', whatsapp: 'WhatsApp', email: 'Email' } as const;
const WHERE_TO_FIX = {
  telegram: 'Paste a new token from @BotFather in Integrations → Telegram.',
  whatsapp: 'Paste a new permanent access token in Integrations → WhatsApp.',
  email: 'Check the mailbox settings the agent runs with.',
} as const;

export function healthProblems(facts: HealthFacts): HealthProblem[] {
  const problems: HealthProblem[] = [];
  const net = facts.mode === 'vps' ? "your server's" : "this computer's";
  if (facts.sync === 'unresponsive') {
    problems.push({
      part: 'agent',
      state: 'unresponsive',
      title: 'Your agent is not responding',
      fix:
        facts.mode === 'local'
          ? 'It may be overloaded or stuck. Restart it from the Server screen if this lasts.'
          : 'It may be overloaded or stuck. Restart it on the server if this lasts (mono status).',
    });
  }
  if (facts.stopped) {
    problems.push({
      part: 'agent',
      state: 'stopped',
      title: 'Your agent stopped',
      fix: 'MONO starts it again by itself. If it keeps stopping, the reason is here and in the log.',
      ...(facts.stopped.reason && { detail: facts.stopped.reason }),
    });
  }
  const status = facts.status;
  if (!status) return problems;
  if (status.has_owner === false) {
    problems.push({
      part: 'owner',
      state: 'ownerless',
      title: 'Your agent has no owner yet',
      fix: 'Claim it in Contacts & access by sending the one-time code to your bot. Until then it tells everyone who writes that it is not set up yet.',
    });
  }
  const claude = status.claude;
  if (claude?.state === 'rejected') {
    problems.push({
      part: 'claude',
      state: 'rejected',
      title: 'Claude rejected the API key',
      fix: 'Paste a new key from console.anthropic.com in Integrations → Claude.',
      ...(claude.detail && { detail: claude.detail }),
    });
  } else if (claude?.state === 'unreachable') {
    problems.push({
      part: 'claude',
      state: 'unreachable',
      title: 'Claude is not reachable',
      fix: `Check ${net} internet connection; the agent tries again every minute.`,
      ...(claude.detail && { detail: claude.detail }),
    });
  } else if (claude?.state === 'error') {
    problems.push({
      part: 'claude',
      state: 'error',
      title: 'Claude cannot be used as set up',
      fix: 'Choose another model in Integrations → Claude.',
      ...(claude.detail && { detail: claude.detail }),
    });
  }
  for (const [name, channel] of Object.entries(status.channels ?? {})) {
    const label = CHANNEL[name as keyof typeof CHANNEL] ?? name;
    if (!channel) continue;
    const detail = channel.detail ? { detail: channel.detail } : {};
    if (channel.state === 'rejected') {
      problems.push({
        part: name,
        state: 'rejected',
        title: `${label} rejected MONO's credentials`,
        fix: WHERE_TO_FIX[name as keyof typeof WHERE_TO_FIX] ?? 'Enter new credentials in Integrations.',
        ...detail,
      });
    } else if (channel.state === 'unreachable') {
      problems.push({
        part: name,
        state: 'unreachable',
        title: `${label} is not reachable`,
        fix: `Check ${net} internet connection; the agent keeps trying by itself.`,
        ...detail,
      });
    } else if (channel.state === 'error') {
      problems.push({
        part: name,
        state: 'error',
        title: `${label} has a problem`,
        fix: 'The reason is below; the log on the Server screen has the details.',
        ...detail,
      });
    }
  }
  return problems;
}
