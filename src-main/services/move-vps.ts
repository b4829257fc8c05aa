// Moving the agent to a VPS — from another VPS or from this computer: install there with the channels off, stop
// the old agent (from then on nothing is answered twice: messages wait at Telegram or WhatsApp), back it up,
// restore on the new server, carry a WhatsApp linked device over, switch the channels on there, and follow the new
// server. Any failure on the way starts the old agent again (and stops the new one), so exactly one agent answers.
import { join } from 'node:path';
import type { Secret } from '../../agent-core/config/secret.ts';
import type { LinkedDeviceCopy } from '../backup/vps-agent.ts';
import type { VpsTarget } from '../ipc/contract.ts';
import { DEFAULT_HTTP_PORT } from '../provision/layout.ts';
import type { InstallTracker } from './install.ts';
import type { Prefs, PrefsStore } from './prefs.ts';
import type { ProvisionAdapter, ProvisionEvent } from './provision-adapter.ts';

/** Vault entries that switch a channel on: left out while the new server has no data yet. */
const CHANNEL_SECRETS = [
  'telegram_bot_token',
  'whatsapp_access_token',
  'whatsapp_app_secret',
  'whatsapp_verify_token',
];
const CHANNEL_SETTINGS = ['MONO_WHATSAPP_LINKED', 'MONO_WHATSAPP_PAIRING_PHONE', 'WHATSAPP_PHONE_NUMBER_ID'];

/** Where the agent moves from: another VPS (vpsSource), or the agent on this computer. */
export interface MoveSource {
  /** "root@203.0.113.7", or "this computer". */
  label: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  backup(o: {
    out: string;
    passphrase: Secret;
    onEvent: (event: ProvisionEvent) => void;
  }): Promise<{ bytes: number; counts: Record<string, number> }>;
  /** Carries a WhatsApp linked device's keys to the new server (they are not in the datastore's backup). */
  copyLinkedDevice?(to: VpsTarget): Promise<LinkedDeviceCopy>;
  /** What the desktop remembers once it follows the new server (besides the server itself). */
  followed: Partial<Prefs>;
  /** What is left behind, said once the move is done. */
  leftBehind: string;
}

export function vpsSource(provision: MoveDeps['provision'], from: VpsTarget): MoveSource {
  const label = `${from.user}@${from.host}`;
  return {
    label,
    stop: () => provision.setAgentRunning(from, false),
    start: () => provision.setAgentRunning(from, true),
    backup: (o) => provision.backup(from, o),
    copyLinkedDevice: (to) => provision.copyLinkedDevice(from, to),
    followed: { oldVps: from },
    leftBehind: `MONO is stopped on ${label}: remove it there when you are sure.`,
  };
}

export interface MoveDeps {
  provision: Pick<
    ProvisionAdapter,
    'deploy' | 'setAgentRunning' | 'backup' | 'restore' | 'copyLinkedDevice' | 'close'
  >;
  prefs: PrefsStore;
  tracker: InstallTracker;
  folder: string;
  passphrase(): Secret;
  /** Every secret the agent needs (the installer's, with the hub password). */
  secrets(): Record<string, Secret>;
  /** The non-secret settings of the agent's environment. */
  settings(): Record<string, string>;
  /** The desktop now follows the new server: reconnect the live view. */
  followed(): void;
  now(): Date;
}

/** What the owner does in Meta's dashboard once the agent runs on `to`. */
export function webhookStep(fromLabel: string, to: VpsTarget): string {
  return (
    `Waiting for you: WhatsApp still sends messages to ${fromLabel}, where the agent is stopped. ` +
    `In Meta's App Dashboard → WhatsApp → Configuration → Webhook → Edit, set the callback URL to your HTTPS ` +
    `address for ${to.host} (it reaches the agent on port ${DEFAULT_HTTP_PORT}, path /whatsapp) and keep the ` +
    'verify token as it is: the new server has the same one. Until then WhatsApp messages do not reach your agent.'
  );
}

export async function moveToVps(deps: MoveDeps, from: MoveSource, to: VpsTarget): Promise<string> {
  const { provision, tracker } = deps;
  const step = (name: string) => ({
    run: (message: string) => tracker.event({ step: name, status: 'running', message }),
    done: (message: string) => tracker.event({ step: name, status: 'done', message }),
    skip: (message: string) => tracker.event({ step: name, status: 'skipped', message }),
    /** A sub-step's progress, shown as the step's current message. */
    detail: (event: ProvisionEvent) =>
      tracker.event({ step: name, status: 'running', message: event.message }),
  });
  const whatsapp = deps.prefs.get().whatsapp?.mode;

  const install = step('install');
  install.run(`Installing MONO on ${to.user}@${to.host}`);
  const quiet = Object.fromEntries(
    Object.entries(deps.secrets()).filter(([n]) => !CHANNEL_SECRETS.includes(n)),
  );
  const quietSettings = Object.fromEntries(
    Object.entries(deps.settings()).filter(([k]) => !CHANNEL_SETTINGS.includes(k)),
  );
  await provision.deploy(to, quiet, install.detail, quietSettings);
  install.done('MONO runs on the new server, its channels still off');

  const stopOld = step('stop-old');
  stopOld.run(`Stopping the agent on ${from.label}`);
  await from.stop();
  stopOld.done('The old agent is stopped; new messages wait for the new one');
  let channelsOn = false;
  try {
    const backup = step('backup');
    backup.run('Backing up everything the old agent knows');
    const stamp = deps
      .now()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const file = join(deps.folder, `mono-${stamp}-move.monobak`);
    const saved = await from.backup({
      out: file,
      passphrase: deps.passphrase(),
      onEvent: backup.detail,
    });
    backup.done(`Backed up ${saved.counts.message ?? 0} messages (${Math.ceil(saved.bytes / 1024)} kB)`);

    const restore = step('restore');
    restore.run('Restoring on the new server');
    const restored = await provision.restore(to, {
      file,
      passphrase: deps.passphrase(),
      replace: false,
      onEvent: restore.detail,
    });
    restore.done(`The new server holds ${restored.counts.message ?? 0} messages`);

    const linked = step('whatsapp');
    if (whatsapp === 'linked' && !from.copyLinkedDevice) {
      linked.skip('Link WhatsApp again on the new server (Integrations → WhatsApp)');
    } else if (whatsapp === 'linked' && from.copyLinkedDevice) {
      linked.run('Moving the WhatsApp linked device’s keys');
      const copy = await from.copyLinkedDevice(to);
      linked.done(
        !copy.moved
          ? 'No linked device yet: link it on the new server'
          : copy.keptAside
            ? `The linked device moved with the agent; the keys the new server had are kept in ${copy.keptAside}`
            : 'The linked device moved with the agent',
      );
    } else linked.skip('No WhatsApp linked device');

    const channels = step('channels');
    channels.run('Switching your channels on at the new server');
    channelsOn = true;
    await provision.deploy(to, deps.secrets(), channels.detail, deps.settings());
    channels.done(
      whatsapp === 'cloud'
        ? 'Telegram answers from the new server; WhatsApp once its webhook points there'
        : 'Your channels answer from the new server',
    );
    // MONO cannot re-point Meta's webhook (it knows neither the app nor the HTTPS address in front of the agent):
    // the owner's step, said exactly and left visibly open.
    if (whatsapp === 'cloud')
      tracker.event({ step: 'whatsapp-webhook', status: 'waiting', message: webhookStep(from.label, to) });
  } catch (error) {
    // The old agent takes over again, and the new one (if its channels may have come on) stops: one agent answers.
    if (channelsOn) await provision.setAgentRunning(to, false).catch(() => {});
    await from.start().catch(() => {});
    throw error;
  }

  const follow = step('switch');
  follow.run('Following the new server');
  deps.prefs.update({ ...from.followed, mode: 'vps', vps: to });
  await provision.close?.();
  deps.followed();
  follow.done(`This computer follows ${to.user}@${to.host} now`);
  const waiting = whatsapp === 'cloud' ? ' WhatsApp waits for you: see the last step.' : '';
  return `Your agent moved to ${to.user}@${to.host}. ${from.leftBehind}${waiting}`;
}
