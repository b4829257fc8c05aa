// A throwaway Dovecot IMAP server for tests: its own config, passwd file, maildirs and sockets in a temp dir,
// listening on a free loopback port, run in the foreground (never the system's dovecot service), killed after.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src-main/services/free-port.ts';

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

/** Why Dovecot cannot run here (not installed), or undefined when it can. */
export function dovecotMissing(): string | undefined {
  if (!existsSync(DOVECOT_BINARY)) return 'dovecot is not installed (apt-get install dovecot-imapd)';
  return undefined;
}

export interface DovecotUser {
  user: string;
  password: string;
}

export class Dovecot {
  readonly dir = mkdtempSync(join(tmpdir(), 'mono-dovecot-'));
  port = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(
    readonly users: DovecotUser[] = [{ user: 'owner@example.org', password: 'app-password-1' }],
    /** Also accept XOAUTH2/OAUTHBEARER, checking each token at this tokeninfo URL (the token is appended). */
    readonly oauth2TokenInfoUrl?: string,
  ) {}

  get host(): string {
    return '127.0.0.1';
  }

  async start(): Promise<this> {
    this.port = await freePort();
    // Dovecot never delivers mail as root: as root, the mail belongs to "nobody".
    const root = (process.getuid?.() ?? 0) === 0;
    const uid = root ? 65534 : process.getuid!();
    const gid = root ? 65534 : process.getgid!();
    // Dovecot's auth process runs as the dovecot user and must read the passwd file.
    chmodSync(this.dir, 0o755);
    for (const sub of ['run', 'state', 'mail', 'home'])
      mkdirSync(join(this.dir, sub), { recursive: true, mode: 0o755 });
    if (root) for (const sub of ['mail', 'home']) chownSync(join(this.dir, sub), uid, gid);
    writeFileSync(
      join(this.dir, 'passwd'),
      this.users
        .map((u) => `${u.user}:{PLAIN}${u.password}:${uid}:${gid}::${join(this.dir, 'home', u.user)}\n`)
        .join(''),
    );
    writeFileSync(join(this.dir, 'dovecot.conf'), this.#config(uid, gid));
    if (this.oauth2TokenInfoUrl) {
      writeFileSync(
        join(this.dir, 'oauth2.conf.ext'),
        `tokeninfo_url = ${this.oauth2TokenInfoUrl}\nusername_attribute = email\nusername_format = %Lu\n`,
      );
    }
    const check = spawnSync(DOVECOT_BINARY, ['-c', join(this.dir, 'dovecot.conf'), '-n'], {
      encoding: 'utf8',
    });
    if (check.status !== 0) throw new Error(`dovecot config refused: ${check.stderr}`);
    await this.#launch();
    return this;
  }

  async #launch(): Promise<void> {
    const child = spawn(DOVECOT_BINARY, ['-F', '-c', join(this.dir, 'dovecot.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (child.exitCode !== null) throw new Error(`dovecot exited: ${stderr}${this.log()}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`dovecot did not listen on ${this.port}: ${stderr}${this.log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** imap://user@127.0.0.1:port (credentials go separately, as secrets). */
  url(user = this.users[0]!.user): string {
    return `imap://${encodeURIComponent(user)}@${this.host}:${this.port}`;
  }

  log(): string {
    const file = join(this.dir, 'dovecot.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Stops the master (SIGTERM takes its children with it) and removes every file. */
  async stop(): Promise<void> {
    await this.#halt();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A server restart (mail kept, same port): connected clients are cut off, as in a provider's maintenance. */
  async restart(downMs = 0): Promise<void> {
    await this.#halt();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#launch();
  }

  async #halt(): Promise<void> {
    if (this.#child && this.#child.exitCode === null) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 3000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  #config(uid: number, gid: number): string {
    const d = this.dir;
    // Not root (a developer's machine): every Dovecot process runs as this user, without chroot.
    const user = (process.getuid?.() ?? 0) === 0 ? undefined : userInfo().username;
    const unprivileged = user
      ? `default_internal_user = ${user}
default_internal_group = ${spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim()}
default_login_user = ${user}
service anvil {
  chroot =
}
`
      : '';
    return `# Throwaway Dovecot for MONO's tests (test/fakes/imap-dovecot.ts).
${unprivileged}base_dir = ${d}/run
state_dir = ${d}/state
log_path = ${d}/dovecot.log
instance_name = mono-test-${this.port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${this.oauth2TokenInfoUrl ? ' xoauth2 oauthbearer' : ''}
first_valid_uid = ${uid}
first_valid_gid = ${gid}
mail_location = maildir:${d}/mail/%u
mail_uid = ${uid}
mail_gid = ${gid}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = create
  }
  mailbox Sent {
    special_use = \\Sent
    auto = create
  }
}
${
  this.oauth2TokenInfoUrl
    ? `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${d}/oauth2.conf.ext
}
`
    : ''
}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${d}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${d}/passwd
}
service imap-login {
${user ? '  chroot =\n' : ''}  inet_listener imap {
    address = 127.0.0.1
    port = ${this.port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
