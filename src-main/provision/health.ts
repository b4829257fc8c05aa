// One health probe: GET /healthz on the VPS's loopback, through the SSH connection (the gate is gate.ts).

import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { Session } from './session.ts';

export interface Health {
  status: string;
  version: string;
  uptime_s?: number;
  db?: string;
  channels?: Record<string, string>;
}

/** One GET /healthz through the tunnel: the parsed answer, or why there is none. */
export async function probeHealth(
  session: Session,
  port: number,
): Promise<{ health?: Health; problem?: string }> {
  try {
    const res = await session.ssh.httpGet(port, '/healthz', 2000);
    let body: Health | undefined;
    try {
      body = JSON.parse(res.body) as Health;
    } catch {}
    if (res.status !== 200)
      return { health: body, problem: `HTTP ${res.status} ${session.redact(res.body).slice(0, 200)}` };
    if (!body) return { problem: 'HTTP 200 but the body is not JSON' };
    return { health: body };
  } catch (error) {
    const message = errorMessage(error);
    return {
      problem: /connect|refused|open failed/i.test(message)
        ? `nothing listens on 127.0.0.1:${port} yet`
        : message,
    };
  }
}
