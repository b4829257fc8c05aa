// Preflight: what the VPS is (OS, arch, glibc, systemd, disk, tools, Node) and whether MONO can run there.
import { LAYOUT, MIN_FREE_BYTES, MIN_GLIBC, MIN_NODE } from '../layout.ts';
import type { RemoteCommand } from './remote.ts';

export const PREFLIGHT_MARKER = 'mono_preflight=1';

/** Runs as root: when sudo is missing or asks for a password, the marker never prints and the caller says so. */
export function preflightCommand(): RemoteCommand {
  const tools = [
    'curl',
    'wget',
    'tar',
    'xz',
    'sha256sum',
    'systemctl',
    'useradd',
    'systemd-analyze',
    'journalctl',
  ];
  return {
    step: 'preflight',
    root: true,
    what: 'checking the VPS (OS, architecture, glibc, systemd, disk)',
    script: [
      `echo ${PREFLIGHT_MARKER}`,
      'echo "kernel=$(uname -s)"',
      'echo "arch=$(uname -m)"',
      '[ -r /etc/os-release ] && . /etc/os-release',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'echo "os_id=${ID:-unknown}"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'echo "os_name=${PRETTY_NAME:-unknown}"',
      `echo "glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"`,
      '[ -d /run/systemd/system ] && echo systemd=1 || echo systemd=0',
      `echo "free_kb=$( (df -Pk /opt 2>/dev/null || df -Pk /) | awk 'NR==2 {print $4}')"`,
      `for t in ${tools.join(' ')}; do command -v "$t" >/dev/null 2>&1 && echo "has_$(echo "$t" | tr - _)=1" || echo "has_$(echo "$t" | tr - _)=0"; done`,
      `[ -x ${LAYOUT.nodeDir}/bin/node ] && echo "node_mono=$(${LAYOUT.nodeDir}/bin/node -v 2>/dev/null)"`,
      'p=$(command -v node 2>/dev/null) && echo "node_system=$p $("$p" -v 2>/dev/null)"',
      'true',
    ].join('\n'),
  };
}

export interface PreflightFacts {
  kernel: string;
  arch: string;
  /** MONO's name for the architecture (x64, arm64), or undefined when unsupported. */
  nodeArch: 'x64' | 'arm64' | undefined;
  osId: string;
  osName: string;
  glibc: string;
  systemd: boolean;
  freeBytes: number;
  has: Record<string, boolean>;
  /** A usable Node (≥ MIN_NODE) already on the VPS: MONO's own first, then the system's. */
  node: { path: string; version: string } | undefined;
}

export function toPreflightFacts(facts: Record<string, string>): PreflightFacts {
  const has: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(facts)) if (k.startsWith('has_')) has[k.slice(4)] = v === '1';
  const arch = facts.arch ?? '';
  const candidates: { path: string; version: string }[] = [];
  if (facts.node_mono) candidates.push({ path: `${LAYOUT.nodeDir}/bin/node`, version: facts.node_mono });
  if (facts.node_system) {
    const [path, version] = facts.node_system.split(' ');
    if (path && version) candidates.push({ path, version });
  }
  return {
    kernel: facts.kernel ?? '',
    arch,
    nodeArch: arch === 'x86_64' ? 'x64' : arch === 'aarch64' || arch === 'arm64' ? 'arm64' : undefined,
    osId: facts.os_id ?? 'unknown',
    osName: facts.os_name ?? 'unknown',
    glibc: facts.glibc ?? '',
    systemd: facts.systemd === '1',
    freeBytes: Number(facts.free_kb ?? 0) * 1024,
    has,
    node: candidates.find((c) => versionAtLeast(c.version.replace(/^v/, ''), MIN_NODE)),
  };
}

/** "2.36" ≥ [2, 35]? Non-numeric or empty versions are never enough. */
export function versionAtLeast(version: string, min: [number, number]): boolean {
  const [major, minor] = version.split('.').map((n) => Number.parseInt(n, 10));
  if (major === undefined || Number.isNaN(major)) return false;
  return major > min[0] || (major === min[0] && (minor ?? 0) >= min[1]);
}

export interface Problem {
  reason: string;
  hint: string;
}

/** Everything that stops MONO from running on this VPS, each with what to do; empty when all is well. */
export function preflightProblems(f: PreflightFacts): Problem[] {
  const problems: Problem[] = [];
  const supported = 'MONO needs a 64-bit Linux with systemd and glibc ≥ 2.35 (Debian 12+, Ubuntu 22.04+).';
  if (f.kernel !== 'Linux')
    problems.push({ reason: `the VPS runs ${f.kernel || 'an unknown OS'}, not Linux`, hint: supported });
  if (!f.nodeArch)
    problems.push({
      reason: `the CPU architecture ${f.arch || '(unknown)'} is not supported (x86_64 and aarch64 are)`,
      hint: supported,
    });
  if (!f.glibc)
    problems.push({
      reason: `no glibc found on ${f.osName} (musl-based systems such as Alpine are not supported)`,
      hint: supported,
    });
  else if (!versionAtLeast(f.glibc, MIN_GLIBC))
    problems.push({
      reason: `glibc ${f.glibc} on ${f.osName} is too old (the database engine needs ≥ ${MIN_GLIBC.join('.')})`,
      hint: supported,
    });
  if (!f.systemd) problems.push({ reason: 'systemd is not running as the init system', hint: supported });
  if (f.freeBytes < MIN_FREE_BYTES)
    problems.push({
      reason: `only ${Math.floor(f.freeBytes / 1048576)} MB free under /opt (needs ${MIN_FREE_BYTES / 1048576} MB)`,
      hint: 'Free up disk space on the VPS (for example "apt-get clean", old logs) or use a larger disk.',
    });
  const missing = ['tar', 'sha256sum', 'systemctl', 'useradd', 'journalctl'].filter((t) => !f.has[t]);
  if (!f.node) {
    if (!f.has.curl && !f.has.wget) missing.push('curl (or wget)');
    if (!f.has.xz) missing.push('xz');
  }
  if (missing.length)
    problems.push({
      reason: `missing tools on the VPS: ${missing.join(', ')}`,
      hint: `Install them first (Debian/Ubuntu: apt-get install ${missing.map((m) => (m.startsWith('curl') ? 'curl' : m === 'xz' ? 'xz-utils' : m === 'useradd' ? 'passwd' : m === 'sha256sum' ? 'coreutils' : m)).join(' ')}).`,
    });
  return problems;
}
