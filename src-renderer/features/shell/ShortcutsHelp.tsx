// The list of keyboard shortcuts, as a small dialog (opened with "?" or from the sidebar; Esc or Close closes it).
import { useEffect, useRef } from 'react';
import { Button } from '../../components/ui.tsx';
import { SHORTCUTS } from './shortcuts.ts';

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLDivElement>(null);
  useEffect(() => {
    close.current?.querySelector('button')?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
        <h2>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="form-actions" ref={close}>
          <Button onClick={onClose}>Close</Button>
        </div>
      </div>
    </div>
  );
}
