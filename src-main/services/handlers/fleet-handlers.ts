// Many servers at once from the desktop: check their keys, trust the ones the owner confirmed, roll this app's
// agent out canary-first, follow it, stop it.
import type { HandlersFor } from '../../ipc/dispatch.ts';
import type { Fleet } from '../fleet.ts';

export function fleetHandlers(deps: { fleet: Fleet }): HandlersFor<'fleet'> {
  const { fleet } = deps;
  return {
    'fleet.check': async (input) => fleet.check(input),
    'fleet.trust': async (input) => fleet.trust(input),
    'fleet.deploy': async (input) => fleet.deploy(input),
    'fleet.state': async () => fleet.state(),
    'fleet.cancel': async () => fleet.cancel(),
  };
}
