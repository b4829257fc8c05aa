// How the Fleet screen words a host's state and the rollout's phase (the canary first, its bake counting down).
import { useEffect, useState } from 'react';
import type { FleetHostState, FleetHostView, FleetState } from '../../../src-main/ipc/fleet-contract.ts';

export const HOST_STATE: Record<
  FleetHostState,
  { label: string; tone: 'neutral' | 'good' | 'warn' | 'bad' | 'info' }
> = {
  waiting: { label: 'Waiting', tone: 'neutral' },
  deploying: { label: 'Deploying', tone: 'info' },
  baking: { label: 'Baking', tone: 'info' },
  healthy: { label: 'Healthy', tone: 'good' },
  failed: { label: 'Failed', tone: 'bad' },
  'rolled-back': { label: 'Rolled back', tone: 'warn' },
  skipped: { label: 'Skipped', tone: 'neutral' },
};

/** Seconds left of a bake, never below zero. */
export function secondsLeft(bakeEndsAt: string | undefined, now: number): number | undefined {
  if (!bakeEndsAt) return undefined;
  return Math.max(0, Math.ceil((Date.parse(bakeEndsAt) - now) / 1000));
}

/** The time, re-read every second while `ticking` (a bake counts down on screen). */
export function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

const finished = (h: FleetHostView) => !['waiting', 'deploying', 'baking'].includes(h.state);

/** One line on where the rollout is: the canary and its bake while it goes first, then how far the rest got. */
export function phaseLine(state: FleetState, now: number): string {
  const canaries = state.hosts.filter((h) => h.canary);
  const rest = state.hosts.filter((h) => !h.canary);
  const bake = state.settings?.bakeS ?? 0;
  const open = canaries.filter((h) => !finished(h));
  if (open.length) {
    const baking = open.find((h) => h.state === 'baking');
    const wait = `${rest.length} other server${rest.length === 1 ? '' : 's'} wait${rest.length === 1 ? 's' : ''} until it stayed healthy for ${bake} s.`;
    if (baking)
      return `Canary ${baking.name} is healthy and baking: ${secondsLeft(baking.bakeEndsAt, now)} s left. ${wait}`;
    return `Canary first: ${open.map((h) => h.name).join(', ')}. ${wait}`;
  }
  const done = rest.filter(finished).length;
  return `The canary passed. Rolling out: ${done} of ${rest.length} done, ${state.settings?.parallel ?? 1} at a time.`;
}
