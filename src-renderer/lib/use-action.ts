// One way for a form or button to run an async action: `busy` while it runs, and the error it ended with, as a
// message for the user.
import { useCallback, useState } from 'react';
import { errorMessage } from './mono.ts';

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
