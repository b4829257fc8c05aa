// Tool: the current date and time in the owner's time zone (Claude has no clock of its own).
import type { Owner } from '../agent/owner.ts';
import { formatLocal } from '../jobs/local-time.ts';
import type { AgentTool } from './tool.ts';

export function clockTool(owner: Owner): AgentTool {
  return {
    name: 'current_time',
    readOnly: true,
    description: "The current date and time in the owner's time zone (and in UTC).",
    inputSchema: { type: 'object', properties: {} },
    async run(_input, context) {
      const timezone = owner.timezone();
      return {
        content: { local: formatLocal(context.now, timezone), timezone, utc: context.now.toISOString() },
      };
    },
  };
}
