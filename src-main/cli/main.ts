// The `mono` command dispatcher: finds the command, loads only its module, and turns errors into exit codes.
import { COMMANDS } from './commands/index.ts';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    printHelp();
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`mono: unknown command "${name}". Run "mono help" for the list.`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

function printHelp(): void {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  console.log('MONO — your personal AI agent.\n\nUsage:');
  for (const c of COMMANDS) console.log(`  mono ${c.usage.padEnd(width)}  ${c.summary}`);
}
