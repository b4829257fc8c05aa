// An end-to-end suite's usual setup: the built agent with its own fake Telegram, fake Claude and data directory.
// `before(suite.start)` and `after(suite.close)`; `suite.agent` exists once started.
import { FakeAnthropic } from '../fakes/anthropic-server.ts';
import { FakeTelegram } from '../fakes/telegram-server.ts';
import { agentEnv } from './agent-env.ts';
import { AgentProcess, tempDataDir } from './agent-process.ts';

export class AgentWithFakes {
  readonly telegram = new FakeTelegram();
  readonly anthropic = new FakeAnthropic();
  readonly data = tempDataDir();
  agent!: AgentProcess;

  constructor(private readonly env: Record<string, string> = {}) {}

  start = async (): Promise<void> => {
    await this.telegram.start();
    await this.anthropic.start();
    this.agent = await new AgentProcess(agentEnv(this.data.dir, this, this.env)).start();
  };

  close = async (): Promise<void> => {
    await this.agent?.stop();
    await this.telegram.close();
    await this.anthropic.close();
    this.data.remove();
  };
}
