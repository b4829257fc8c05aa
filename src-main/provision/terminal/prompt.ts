// Yes/no questions on the terminal (host keys, uninstall confirmation).
import { createInterface } from 'node:readline/promises';

export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
