// What `mono status` reads on the VPS: the current release and the service's state (no root needed).
import { LAYOUT } from '../layout.ts';
import type { RemoteCommand } from './remote.ts';

export function statusCommand(): RemoteCommand {
  return {
    step: 'status',
    root: false,
    script: [
      `echo "current=$(basename "$(readlink ${LAYOUT.current} 2>/dev/null)" 2>/dev/null)"`,
      `systemctl show ${LAYOUT.unitName} -p LoadState -p ActiveState -p SubState -p MainPID -p NRestarts -p MemoryCurrent -p ActiveEnterTimestamp 2>/dev/null`,
      `pid=$(systemctl show ${LAYOUT.unitName} -p MainPID --value 2>/dev/null)`,
      `[ "\${pid:-0}" -gt 0 ] 2>/dev/null && echo "rss_kb=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status 2>/dev/null)"`,
      'true',
    ].join('\n'),
  };
}
