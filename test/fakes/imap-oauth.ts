// A local OAuth2 provider for the XOAUTH2 tests (what Google is to Gmail): the token endpoint trades a refresh
// token for short-lived access tokens, and tokeninfo (which Dovecot's oauth2 passdb asks) says whose a token is.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export class FakeOAuthProvider {
  readonly clientId = 'mono-test.apps.example';
  readonly clientSecret = 'client-secret-0123456789';
  readonly refreshToken = `1//refresh-${randomBytes(8).toString('hex')}`;
  /** Access tokens issued, newest last, with the user they belong to. */
  readonly issued: { token: string; user: string }[] = [];
  /** Tokens Dovecot asked about. */
  readonly checked: string[] = [];
  port = 0;
  #server: Server | undefined;

  constructor(readonly user: string) {}

  get tokenUrl(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  /** For Dovecot's tokeninfo_url: the token is appended. */
  get tokenInfoUrl(): string {
    return `http://127.0.0.1:${this.port}/tokeninfo?access_token=`;
  }

  isValid(token: string): boolean {
    return this.issued.some((t) => t.token === token);
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && url.pathname === '/token') {
          const form = new URLSearchParams(body);
          const ok =
            form.get('grant_type') === 'refresh_token' &&
            form.get('client_id') === this.clientId &&
            form.get('client_secret') === this.clientSecret &&
            form.get('refresh_token') === this.refreshToken;
          if (!ok) {
            res.statusCode = 400;
            return res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Bad Request' }));
          }
          const token = `ya29.${randomBytes(24).toString('base64url')}`;
          this.issued.push({ token, user: this.user });
          return res.end(
            JSON.stringify({
              access_token: token,
              expires_in: 3599,
              scope: 'https://mail.google.com/',
              token_type: 'Bearer',
            }),
          );
        }
        if (url.pathname === '/tokeninfo') {
          const token = url.searchParams.get('access_token') ?? '';
          this.checked.push(token);
          const found = this.issued.find((t) => t.token === token);
          if (!found) {
            res.statusCode = 400;
            return res.end(JSON.stringify({ error: 'invalid_token' }));
          }
          return res.end(
            JSON.stringify({
              email: found.user,
              email_verified: 'true',
              expires_in: '3500',
              scope: 'https://mail.google.com/',
            }),
          );
        }
        res.statusCode = 404;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
