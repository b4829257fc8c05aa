// A throwaway certificate authority for the test mirror: MONO fetches Node over https only, so the mirror
// on the veth peers serves https with a certificate the disposable VPSes (and a controller, if told) trust.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestTls {
  /** The CA certificate (PEM) to trust. */
  ca: string;
  /** The mirror's key and certificate (PEM), valid for mono-mirror.test, 127.0.0.1 and every veth peer. */
  key: string;
  cert: string;
}

let tls: Promise<TestTls> | undefined;

/** Made once per test process with the openssl command line (about a tenth of a second). */
export function testTls(): Promise<TestTls> {
  tls ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mono-test-tls-'));
    try {
      const f = (name: string) => join(dir, name);
      await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('ca.key')]);
      await run('openssl', [
        ...['req', '-x509', '-new', '-key', f('ca.key'), '-days', '2', '-subj', '/CN=MONO test CA'],
        ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'],
        ...['-out', f('ca.crt')],
      ]);
      await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('mirror.key')]);
      await run('openssl', [
        ...['req', '-new', '-key', f('mirror.key'), '-subj', '/CN=mono-mirror.test', '-out', f('mirror.csr')],
      ]);
      // Every address claimLink() can hand out for the host side of a veth pair.
      const ips = Array.from({ length: 250 }, (_, i) => `IP:10.231.${i + 1}.1`);
      await writeFile(
        f('ext.cnf'),
        `subjectAltName=DNS:mono-mirror.test,DNS:localhost,IP:127.0.0.1,${ips.join(',')}\nextendedKeyUsage=serverAuth\n`,
      );
      await run('openssl', [
        ...['x509', '-req', '-in', f('mirror.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key')],
        ...['-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('mirror.crt')],
      ]);
      const [ca, key, cert] = await Promise.all(
        ['ca.crt', 'mirror.key', 'mirror.crt'].map((n) => readFile(f(n), 'utf8')),
      );
      return { ca: ca!, key: key!, cert: cert! };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return tls;
}
