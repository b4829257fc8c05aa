// Asks before something that cannot be undone from here (handing the agent over, removing an owner account).
import { type ReactNode, useEffect, useRef } from 'react';
import { Button } from './ui.tsx';

export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLDivElement>(null);
  const { onCancel } = props;
  useEffect(() => {
    // Focus starts on Cancel: Enter alone never confirms.
    cancel.current?.querySelector('button')?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-label={props.title}>
        <h2>{props.title}</h2>
        <div className="dialog-text">{props.children}</div>
        <div className="form-actions">
          <div ref={cancel}>
            <Button kind="ghost" onClick={props.onCancel}>
              Cancel
            </Button>
          </div>
          <Button kind="danger" onClick={props.onConfirm}>
            {props.confirm}
          </Button>
        </div>
      </div>
    </div>
  );
}
