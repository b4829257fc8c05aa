// The connect and preflight steps every operation starts with.
import type { ConnectOptions } from '../ssh/executor.ts';
import {
  PREFLIGHT_MARKER,
  type PreflightFacts,
  preflightCommand,
  preflightProblems,
  toPreflightFacts,
} from './commands/preflight.ts';
import { PreflightError } from './errors.ts';
import { formatHostSpec } from './host-spec.ts';
import type { StepReporter } from './progress.ts';
import { noSudoError, Session } from './session.ts';

/** Where to deploy and how to get in: the host, the SSH user and key, and the host-key policy. */
export type Target = ConnectOptions;

export function targetName(t: Target): string {
  return formatHostSpec({ host: t.host, port: t.port ?? 22, username: t.username ?? 'root' });
}

export async function connectStep(target: Target, reporter: StepReporter): Promise<Session> {
  return reporter.run(
    'connect',
    `Connecting to ${reporter.host}`,
    async (note) => {
      const session = await Session.open(target, reporter.host);
      note({
        fingerprint: session.ssh.hostKey.fingerprint,
        key_type: session.ssh.hostKey.type,
        newly_pinned: session.ssh.newlyPinned,
      });
      return session;
    },
    (s) =>
      `Connected (host key ${s.ssh.hostKey.type} ${s.ssh.hostKey.fingerprint}${s.ssh.newlyPinned ? ', pinned now' : ', matches the pinned key'})`,
  );
}

export async function preflightStep(session: Session, reporter: StepReporter): Promise<PreflightFacts> {
  return reporter.run(
    'preflight',
    'Checking the VPS (OS, architecture, glibc, systemd, disk, sudo)',
    async (note) => {
      const result = await session.run(preflightCommand(), { allowFailure: true });
      if (!result.stdout.includes(PREFLIGHT_MARKER)) {
        if (!session.ssh.isRoot) throw noSudoError(session.ssh.username, 'preflight', session.name);
        throw new PreflightError(
          [
            {
              reason: `the VPS could not run a shell script (${result.stderr.trim() || `exit ${result.code}`})`,
              hint: 'MONO needs a POSIX shell (sh) on the VPS.',
            },
          ],
          session.name,
        );
      }
      const facts = toPreflightFacts(result.facts);
      const problems = preflightProblems(facts);
      if (problems.length) throw new PreflightError(problems, session.name);
      note({
        os: facts.osName,
        arch: facts.arch,
        glibc: facts.glibc,
        node: facts.node?.version ?? null,
        free_mb: Math.floor(facts.freeBytes / 1048576),
      });
      return facts;
    },
    (f) => `${f.osName}, ${f.arch}, glibc ${f.glibc}${f.node ? `, Node ${f.node.version}` : ', no Node yet'}`,
  );
}
