// Keyboard shortcuts for the common actions: go to a screen, search, move through conversations, send a form.
// Letters only act when no field has focus, so typing is never hijacked.
import { useEffect } from 'react';
import { SCREENS } from '../../lib/router.ts';
import { go, openThread } from '../../store/actions.ts';
import { getState } from '../../store/store.ts';

const MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export const SHORTCUT_KEYS = { screen: MAC ? '⌥' : 'Alt+', mod: MAC ? '⌘' : 'Ctrl+' } as const;

export const SHORTCUTS: { keys: string; what: string }[] = [
  {
    keys: `${SHORTCUT_KEYS.screen}1 … ${SHORTCUT_KEYS.screen}${SCREENS.length}`,
    what: 'Go to a screen (in the order of the menu)',
  },
  { keys: `/  or  ${SHORTCUT_KEYS.mod}K`, what: 'Search conversations' },
  { keys: 'J  /  K', what: 'Next / previous conversation' },
  { keys: `${SHORTCUT_KEYS.mod}Enter`, what: 'Send the form you are in (save, create)' },
  { keys: '?', what: 'Show these shortcuts' },
  { keys: 'Esc', what: 'Close this list, leave a field' },
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return Boolean(el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)));
}

function focusSearch(): void {
  go('conversations');
  // The list renders on the next frame when coming from another screen.
  requestAnimationFrame(() => document.querySelector<HTMLInputElement>('input[type="search"]')?.focus());
}

function moveConversation(step: 1 | -1): void {
  const { conversations, selected, screen } = getState();
  if (screen !== 'conversations' || conversations.items.length === 0) return;
  const index = conversations.items.findIndex((c) => c.id === selected);
  const next = conversations.items[Math.min(conversations.items.length - 1, Math.max(0, index + step))];
  if (next && next.id !== selected) void openThread(next.id);
}

export function useShortcuts(onHelp: () => void): void {
  useEffect(() => {
    function onKey(event: KeyboardEvent): void {
      const mod = event.metaKey || event.ctrlKey;
      if (
        event.altKey &&
        !mod &&
        /^Digit[1-9]$/.test(event.code) &&
        Number(event.code.slice(5)) <= SCREENS.length
      ) {
        event.preventDefault();
        go(SCREENS[Number(event.code.slice(5)) - 1] ?? 'conversations');
        return;
      }
      if (mod && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        focusSearch();
        return;
      }
      if (mod && event.key === 'Enter' && typing(event.target)) {
        const form = (event.target as HTMLElement).closest('form');
        if (form) {
          event.preventDefault();
          form.requestSubmit();
        }
        return;
      }
      if (event.key === 'Escape' && typing(event.target)) {
        (event.target as HTMLElement).blur();
        return;
      }
      if (typing(event.target) || mod || event.altKey) return;
      if (event.key === '/') {
        event.preventDefault();
        focusSearch();
      } else if (event.key === '?') {
        event.preventDefault();
        onHelp();
      } else if (event.key === 'j') {
        moveConversation(1);
      } else if (event.key === 'k') {
        moveConversation(-1);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onHelp]);
}
