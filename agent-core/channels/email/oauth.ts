// OAuth2 for XOAUTH2 (Gmail and others): trades the long-lived refresh token for short-lived access tokens,
// cached until a minute before they expire. IMAP and SMTP both sign in with the current access token.
import type { EmailAuth } from './config.ts';

export class OAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthError';
  }
}

type OAuth = Extract<EmailAuth, { kind: 'oauth2' }>;

export class AccessTokens {
  #token: { value: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(
    private readonly auth: OAuth,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async get(): Promise<string> {
    if (this.#token && Date.now() < this.#token.expiresAt - 60_000) return this.#token.value;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forget the cached token (the server refused it). */
  invalidate(): void {
    this.#token = undefined;
  }

  async #refresh(): Promise<string> {
    const response = await this.fetchImpl(this.auth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: this.auth.clientId,
        client_secret: this.auth.clientSecret.reveal(),
        refresh_token: this.auth.refreshToken.reveal(),
      }),
      signal: AbortSignal.timeout(20_000),
    }).catch((error: unknown) => {
      throw new OAuthError(`The OAuth2 token endpoint could not be reached (${(error as Error).name}).`);
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
    };
    if (!response.ok || !body.access_token) {
      throw new OAuthError(
        body.error === 'invalid_grant'
          ? 'The email OAuth2 refresh token was revoked or expired: create a new one and set MONO_EMAIL_OAUTH_REFRESH_TOKEN.'
          : `The OAuth2 token endpoint refused (HTTP ${response.status}${body.error ? ` ${body.error}` : ''}): check MONO_EMAIL_OAUTH_CLIENT_ID and _SECRET.`,
      );
    }
    this.#token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  }
}
