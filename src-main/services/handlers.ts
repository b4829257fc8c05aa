// Every IPC channel's handler over the main-process services: validated input in, a result or a UserError out.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SecretName } from '../ipc/contract.ts';
import { type Handlers, UserError } from '../ipc/dispatch.ts';
import type { Core } from './app-services.ts';
import { checkClaude, checkTelegram } from './checks.ts';
import type { Installer } from './installer.ts';
import { generateSshKey } from './provision-adapter.ts';
import { speechHandlers } from './speech.ts';

export function createHandlers(core: Core, installer: Installer): Handlers {
  const {
    deps,
    vault,
    prefs,
    agent,
    sync,
    install,
    provision,
    data,
    log,
    state,
    appState,
    publishState,
    serverStatus,
  } = core;
  const { startLocal, runLocalInstall, runVpsDeploy, applyAgentEnv } = installer;

  async function setSecret(name: SecretName, value: string) {
    vault.set(name, value);
    publishState();
    return applyAgentEnv();
  }

  return {
    'app.state': async () => appState(),
    'app.setLaunchAtLogin': async ({ enabled }) => {
      if (!deps.setLaunchAtLogin)
        throw new UserError('Starting at login is set by the desktop app, not in the browser.');
      deps.setLaunchAtLogin(enabled);
      prefs.update({ launchAtLogin: enabled });
      return publishState();
    },
    'wizard.checkClaude': async ({ apiKey }) => {
      const result = await checkClaude(apiKey, deps.endpoints);
      vault.set('anthropic_api_key', apiKey);
      prefs.update({ claude: result });
      publishState();
      return result;
    },
    'wizard.checkTelegram': async ({ token }) => {
      const bot = await checkTelegram(token, deps.endpoints);
      vault.set('telegram_bot_token', token);
      prefs.update({ telegram: bot });
      publishState();
      return bot;
    },
    'wizard.saveWhatsApp': async (input) => {
      // From the wizard it only moves on; later (Integrations) the running agent picks the change up.
      const fromWizard = !prefs.get().wizardDone;
      if (input.mode === 'cloud') {
        vault.set('whatsapp_access_token', input.accessToken);
        vault.set('whatsapp_app_secret', input.appSecret);
        if (!vault.has('whatsapp_verify_token'))
          vault.set('whatsapp_verify_token', randomBytes(18).toString('base64url'));
        prefs.update({ whatsapp: { mode: 'cloud', phoneNumberId: input.phoneNumberId } });
      } else if (input.mode === 'linked') {
        const phone = input.pairingPhone?.replace(/[\s()-]/g, '') || undefined;
        prefs.update({ whatsapp: { mode: 'linked', ...(phone && { pairingPhone: phone }) } });
      } else {
        prefs.update({ whatsapp: { mode: 'skip' } });
      }
      if (fromWizard) prefs.update({ wizardStep: 'where' });
      else await applyAgentEnv();
      publishState();
      return { saved: true };
    },
    'whatsapp.link': async () => data.whatsappLink(),
    'wizard.goto': async ({ step }) => {
      prefs.update({ wizardStep: step });
      return publishState();
    },
    'wizard.chooseLocal': async () => {
      prefs.update({ mode: 'local', wizardStep: 'install' });
      return publishState();
    },
    'wizard.chooseVps': async (target) => {
      const test = await provision.testConnection(target);
      const failed = test.checks.find((c) => !c.ok);
      if (!test.ok)
        throw new UserError(failed?.detail ?? 'Could not reach the server. Test the connection first.');
      prefs.update({ mode: 'vps', vps: target, wizardStep: 'install' });
      return publishState();
    },
    'wizard.finish': async () => {
      prefs.update({ wizardDone: true, wizardStep: 'done' });
      return publishState();
    },
    'ssh.generateKey': async () => generateSshKey(join(deps.dataDir, 'ssh')),
    'ssh.test': async (target) => provision.testConnection(target),
    'install.start': async () => {
      if (install.state().running) return install.state();
      const { mode, vps } = prefs.get();
      if (mode === 'local') void runLocalInstall();
      else if (mode === 'vps' && vps) void runVpsDeploy(vps);
      else throw new UserError('Choose where MONO runs first.');
      return install.state();
    },
    'install.state': async () => install.state(),
    'sync.status': async () => sync.status(),
    'conversation.list': async (input) => data.conversations(input?.search),
    'conversation.messages': async ({ conversation, limit }) => data.messages(conversation, limit),
    'conversation.markRead': async ({ conversation }) => data.markRead(conversation),
    // The agent watches for replies put back to pending and sends them (agent-core/agent/pending-replies.ts).
    'message.retry': async ({ message }) => data.retryMessage(message),
    ...speechHandlers(core, applyAgentEnv),
    'pairing.list': async () => data.pairings(),
    'pairing.decide': async ({ id, decision }) => data.decidePairing(id, decision),
    'contact.list': async () => data.contacts(),
    'contact.setAllowed': async ({ id, allowed }) => data.setContactAllowed(id, allowed),
    'setting.list': async () => data.settings(),
    'setting.set': async ({ key, value }) => data.setSetting(key, value),
    'secret.set': async ({ name, value }) => setSecret(name, value),
    'job.list': async () => data.jobs(),
    'job.create': async (input) => data.createJob(input),
    'job.setEnabled': async ({ id, enabled }) => data.setJobEnabled(id, enabled),
    'job.delete': async ({ id }) => data.deleteJob(id),
    'job.runs': async ({ job }) => data.jobRuns(job),
    'usage.list': async ({ days }) => data.usage(days),
    'server.status': serverStatus,
    'server.update': async () => {
      const { mode, vps } = prefs.get();
      if (mode !== 'vps' || !vps) {
        throw new UserError(
          'On this computer the agent updates together with the MONO app: install the new app.',
        );
      }
      if (!install.state().running) void runVpsDeploy(vps);
      return install.state();
    },
    'server.rollback': async () => {
      const { mode, vps } = prefs.get();
      if (mode !== 'vps' || !vps) throw new UserError('Rollback is for agents on a VPS.');
      return { ok: true, message: await provision.rollback(vps) };
    },
    'server.logs': async ({ limit }) => {
      const { mode, vps } = prefs.get();
      if (mode === 'vps' && vps) return provision.logs(vps, limit);
      return agent.logs(limit);
    },
    'server.followLogs': async ({ on }) => {
      state.following?.abort();
      state.following = undefined;
      const { mode, vps } = prefs.get();
      // Local mode streams the agent's output all the time; a VPS's journal is followed while someone looks.
      if (!on || mode !== 'vps' || !vps || !provision.followLogs)
        return { following: on && mode === 'local' };
      const controller = new AbortController();
      state.following = controller;
      void provision
        .followLogs(vps, (line) => deps.emit('server.log', { line }), controller.signal)
        .catch((error) => log('following the journal stopped', error));
      return { following: true };
    },
    // Paused, the agent still receives and stores everything but answers with a short notice and runs no jobs.
    'agent.pause': async () => {
      await data.setPaused(true);
      state.paused = true;
      return serverStatus();
    },
    'agent.resume': async () => {
      if (prefs.get().mode === 'local' && agent.status().state === 'stopped') await startLocal();
      await data.setPaused(false);
      state.paused = false;
      return serverStatus();
    },
  };
}
