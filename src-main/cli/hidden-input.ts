// Reads a passphrase on the terminal without echoing it (raw mode, one key at a time). Enter ends it, Backspace
// erases, Ctrl+C aborts; without a terminal there is nothing to ask and the caller decides.

export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export function askHidden(question: string): Promise<string | undefined> {
  const input = process.stdin;
  if (!canAsk()) return Promise.resolve(undefined);
  process.stderr.write(question);
  return new Promise((resolve) => {
    let typed = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (value: string | undefined) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(typed);
        if (char === '\u0003' || char === '\u0004') return done(undefined);
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
