// Who owns the agent: its owner accounts, a one-time code to claim it (or add another of the owner's accounts, or
// hand it over), and removing an account. The code is written through the db hub, so this works the same for an
// agent on this computer and on a VPS; only its hash reaches the datastore.
import { telegramStartLink } from '../../../agent-core/contract/owners.ts';
import { type HandlersFor, UserError } from '../../ipc/dispatch.ts';
import type { Data } from '../data.ts';
import type { PrefsStore } from '../prefs.ts';

export function ownerHandlers(deps: {
  data: Pick<Data, 'owners' | 'claimOwner' | 'removeOwner'>;
  prefs: Pick<PrefsStore, 'get'>;
}): HandlersFor<'owner'> {
  const { data } = deps;
  return {
    'owner.list': async () => data.owners(),
    'owner.claim': async ({ mode }) => {
      const { code, expiresAt } = await data.claimOwner(mode);
      const bot = deps.prefs.get().telegram?.username;
      return {
        code,
        mode,
        expiresAt: expiresAt.toISOString(),
        ...(bot && { telegramLink: telegramStartLink(bot, code) }),
      };
    },
    'owner.remove': async ({ id }) => {
      const owners = await data.owners();
      if (owners.length === 1 && owners[0]?.id === id) {
        throw new UserError(
          'This is the only owner account. To give the agent to someone else, hand ownership over instead.',
        );
      }
      return data.removeOwner(id);
    },
  };
}
