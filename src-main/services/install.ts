// The install (and update) progress the wizard and the Server screen show: named steps, a log, and on failure the
// step, the reason and a hint — fed by local-mode steps or by provisioning events.
import type { InstallState, InstallStep } from '../ipc/contract.ts';
import type { ProvisionEvent } from './provision-adapter.ts';

export interface InstallTracker {
  state(): InstallState;
  begin(steps: { step: string; message: string }[]): void;
  event(event: ProvisionEvent): void;
  log(line: string): void;
  fail(step: string, message: string, hint?: string): void;
  finish(): void;
}

export function createInstallTracker(emit: (state: InstallState) => void): InstallTracker {
  let state: InstallState = { running: false, steps: [], log: [] };
  const publish = (next: InstallState) => {
    state = next;
    emit(state);
  };
  // This computer's clock (HH:MM:SS), as the desktop shows every other time.
  const stamp = (line: string) => `${new Date().toTimeString().slice(0, 8)}  ${line}`;

  return {
    state: () => state,
    begin(steps) {
      publish({
        running: true,
        steps: steps.map((s) => ({ ...s, status: 'pending' as const })),
        log: [],
      });
    },
    event(event) {
      const known = state.steps.some((s) => s.step === event.step);
      const steps: InstallStep[] = known
        ? state.steps.map((s) =>
            s.step === event.step ? { ...s, status: event.status, message: event.message } : s,
          )
        : [...state.steps, { step: event.step, status: event.status, message: event.message }];
      publish({ ...state, steps, log: [...state.log, stamp(`${event.step}: ${event.message}`)].slice(-500) });
    },
    log(line) {
      publish({ ...state, log: [...state.log, stamp(line)].slice(-500) });
    },
    fail(step, message, hint) {
      const steps = state.steps.map((s) =>
        s.step === step
          ? { ...s, status: 'failed' as const }
          : s.status === 'pending'
            ? { ...s, status: 'skipped' as const }
            : s,
      );
      publish({
        ...state,
        running: false,
        steps,
        error: { step, message, ...(hint && { hint }) },
        log: [...state.log, stamp(`failed at ${step}: ${message}`)],
        finishedAt: new Date().toISOString(),
      });
    },
    finish() {
      publish({ ...state, running: false, finishedAt: new Date().toISOString() });
    },
  };
}
