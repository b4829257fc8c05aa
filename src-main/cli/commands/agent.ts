// `mono agent`: runs the agent in this terminal (from source), configured by the environment like mono-agent.js.
export async function run(_argv: string[]): Promise<number> {
  await import('../../../agent-core/main.ts');
  // The agent runs until a signal stops it (its own handlers exit the process).
  return new Promise<number>(() => {});
}
