// One way for a form or button to run an async action: `busy` while it runs (and, for a screen with several,
// which one), and the error it ended with, as a message for the user.
import { useCallback, useState } from 'react';
import { errorMessage } from './mono.ts';

export function useAction<Name extends string = string>() {
  const [current, setCurrent] = useState<{ name?: Name }>();
  const [error, setError] = useState<string>();
  const run = useCallback(async (action: () => Promise<unknown>, name?: Name) => {
    setCurrent({ ...(name !== undefined && { name }) });
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setCurrent(undefined);
    }
  }, []);
  /** `running`: the name the running action was given; `setError` shows (or clears) a message no action raised. */
  return { busy: current !== undefined, running: current?.name, error, setError, run };
}
