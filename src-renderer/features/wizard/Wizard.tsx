// The first-run setup: a rail of steps and the current one. Progress lives in main, so quitting halfway and
// starting again resumes where the user left off.
import type { WizardStep } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useStore } from '../../store/store.ts';
import { ClaudeStep } from './ClaudeStep.tsx';
import { DoneStep } from './DoneStep.tsx';
import { InstallStep } from './InstallStep.tsx';
import { TelegramStep } from './TelegramStep.tsx';
import { WhatsAppStep } from './WhatsAppStep.tsx';
import { WhereStep } from './WhereStep.tsx';

const STEPS: { step: WizardStep; title: string; sub: string }[] = [
  { step: 'claude', title: 'Claude', sub: 'The mind of your agent' },
  { step: 'telegram', title: 'Telegram', sub: 'Your bot' },
  { step: 'whatsapp', title: 'WhatsApp', sub: 'Optional' },
  { step: 'where', title: 'Where it runs', sub: 'This computer or a VPS' },
  { step: 'install', title: 'Install', sub: 'A minute or two' },
  { step: 'done', title: 'Say hello', sub: 'You are set' },
];

export function Wizard() {
  const wizard = useStore((s) => s.app?.wizard);
  const installRunning = useStore((s) => s.install.running);
  const protection = useStore((s) => s.app?.vault.description);
  if (!wizard) return null;
  const currentIndex = STEPS.findIndex((s) => s.step === wizard.step);
  const installing = wizard.step === 'install' || wizard.step === 'done';

  return (
    <div className="wizard">
      <aside className="wizard-rail">
        <div className="brand">
          <div className="brand-mark" aria-hidden="true" />
          <div>
            <div className="brand-name">MONO</div>
            <div className="brand-sub">Set up your agent</div>
          </div>
        </div>
        <ol className="steps">
          {STEPS.map((s, index) => {
            const state = index < currentIndex ? 'done' : index === currentIndex ? 'current' : 'todo';
            // Opened again after setup, every step holds what was set: any of them can be visited.
            const canGo = (state === 'done' || (wizard.reopened && state !== 'current')) && !installing;
            return (
              <li key={s.step} className={`step step-${state}`}>
                <button
                  type="button"
                  disabled={!canGo}
                  onClick={() => void mono.wizard.goto({ step: s.step })}
                  aria-current={state === 'current' ? 'step' : undefined}
                >
                  <span className="step-dot">{state === 'done' ? <Icon.Check /> : index + 1}</span>
                  <span className="step-text">
                    <strong>{s.title}</strong>
                    <small>{s.sub}</small>
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
        {wizard.reopened && (
          <Button kind="ghost" disabled={installRunning} onClick={() => void mono.wizard.close()}>
            Back to the dashboard
          </Button>
        )}
        <p className="wizard-foot" data-testid="vault-protection">
          {protection} MONO never sends your keys anywhere but to your agent.
        </p>
      </aside>
      <main className="wizard-main">
        <div className="wizard-card" data-step={wizard.step}>
          {wizard.step === 'claude' && <ClaudeStep />}
          {wizard.step === 'telegram' && <TelegramStep />}
          {wizard.step === 'whatsapp' && <WhatsAppStep />}
          {wizard.step === 'where' && <WhereStep />}
          {wizard.step === 'install' && <InstallStep />}
          {wizard.step === 'done' && <DoneStep />}
        </div>
      </main>
    </div>
  );
}
