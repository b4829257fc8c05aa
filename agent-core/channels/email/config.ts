// Email configuration from the environment: one IMAP mailbox to watch and one SMTP server to send replies,
// with an app password or OAuth2 (XOAUTH2, e.g. Gmail) — credentials always as secrets, never in URLs.

import { Secret } from '../../config/secret.ts';
import type { EnvText } from '../../config/values.ts';
import type { ChannelName } from '../../contract/tables.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface ServerAddress {
  host: string;
  port: number;
  /** TLS from the first byte (imaps/smtps); otherwise STARTTLS when the server offers it. */
  secure: boolean;
}

export type EmailAuth =
  | { kind: 'password'; user: string; password: Secret }
  | {
      kind: 'oauth2';
      user: string;
      clientId: string;
      clientSecret: Secret;
      refreshToken: Secret;
      tokenUrl: string;
    };

export interface EmailConfig {
  imap: ServerAddress;
  /** Unset: mail is watched and summarised, but replies cannot be sent. */
  smtp?: ServerAddress;
  auth: EmailAuth;
  /** The From address of replies. */
  from: string;
  mailbox: string;
  /** Where summaries of new mail go ("telegram:1001"); unset: the owner's chat (allowlist or owner_chat setting). */
  notify?: { channel: ChannelName; chatId: string };
  /** Accept self-signed certificates (a home server); never needed for Gmail or other public providers. */
  allowSelfSigned: boolean;
  /** Keep a copy of sent replies in the Sent folder (off for Gmail, which files them itself). */
  saveSent: boolean;
}

export function loadEmail(text: EnvText, problems: string[]): EmailConfig | undefined {
  const imapUrl = text('MONO_EMAIL_IMAP_URL');
  const smtpUrl = text('MONO_EMAIL_SMTP_URL');
  if (!imapUrl) {
    if (smtpUrl)
      problems.push('MONO_EMAIL_SMTP_URL is set but MONO_EMAIL_IMAP_URL is not: set the mailbox to watch.');
    return undefined;
  }
  const imap = parseServer(
    imapUrl,
    'imap',
    problems,
    'MONO_EMAIL_IMAP_URL',
    'imaps://you@imap.gmail.com:993',
  );
  const smtp = smtpUrl
    ? parseServer(smtpUrl, 'smtp', problems, 'MONO_EMAIL_SMTP_URL', 'smtps://you@smtp.gmail.com:465')
    : undefined;
  const user = text('MONO_EMAIL_USER') ?? imap?.user;
  if (!user)
    problems.push('Set the mailbox user in MONO_EMAIL_IMAP_URL (imaps://you@host) or MONO_EMAIL_USER.');

  const password = text('MONO_EMAIL_PASSWORD');
  const clientId = text('MONO_EMAIL_OAUTH_CLIENT_ID');
  const clientSecret = text('MONO_EMAIL_OAUTH_CLIENT_SECRET');
  const refreshToken = text('MONO_EMAIL_OAUTH_REFRESH_TOKEN');
  const oauthSet = [clientId, clientSecret, refreshToken].filter(Boolean).length;
  let auth: EmailAuth | undefined;
  if (password && oauthSet > 0) {
    problems.push(
      'Set either MONO_EMAIL_PASSWORD (an app password) or the MONO_EMAIL_OAUTH_* variables, not both.',
    );
  } else if (password) {
    auth = { kind: 'password', user: user ?? '', password: new Secret(password) };
  } else if (oauthSet === 3) {
    auth = {
      kind: 'oauth2',
      user: user ?? '',
      clientId: clientId!,
      clientSecret: new Secret(clientSecret!),
      refreshToken: new Secret(refreshToken!),
      tokenUrl: text('MONO_EMAIL_OAUTH_TOKEN_URL') ?? GOOGLE_TOKEN_URL,
    };
  } else if (oauthSet > 0) {
    problems.push(
      'OAuth2 for email needs MONO_EMAIL_OAUTH_CLIENT_ID, MONO_EMAIL_OAUTH_CLIENT_SECRET and MONO_EMAIL_OAUTH_REFRESH_TOKEN.',
    );
  } else {
    problems.push(
      'MONO_EMAIL_IMAP_URL is set but no credentials: set MONO_EMAIL_PASSWORD (for Gmail an app password from ' +
        'myaccount.google.com/apppasswords) or MONO_EMAIL_OAUTH_CLIENT_ID/_SECRET/_REFRESH_TOKEN.',
    );
  }

  const from = text('MONO_EMAIL_FROM') ?? (user?.includes('@') ? user : undefined);
  if (smtp && !from) problems.push('Set MONO_EMAIL_FROM to the address replies are sent from.');

  const saveSentValue = text('MONO_EMAIL_SAVE_SENT');
  const saveSent = saveSentValue === undefined ? undefined : /^(1|true|yes)$/i.test(saveSentValue);
  const notifyValue = text('MONO_EMAIL_NOTIFY');
  const notifyMatch = notifyValue ? /^(telegram|whatsapp):(\S+)$/.exec(notifyValue) : undefined;
  if (notifyValue && !notifyMatch) {
    problems.push('MONO_EMAIL_NOTIFY must look like telegram:123456789 or whatsapp:4915112345678.');
  }
  if (!imap || !auth || (smtpUrl && !smtp)) return undefined;
  return {
    imap: { host: imap.host, port: imap.port, secure: imap.secure },
    ...(smtp ? { smtp: { host: smtp.host, port: smtp.port, secure: smtp.secure } } : {}),
    auth,
    from: from ?? user ?? '',
    mailbox: text('MONO_EMAIL_MAILBOX') ?? 'INBOX',
    ...(notifyMatch ? { notify: { channel: notifyMatch[1] as ChannelName, chatId: notifyMatch[2]! } } : {}),
    allowSelfSigned: /^(1|true|yes)$/i.test(text('MONO_EMAIL_ALLOW_SELF_SIGNED') ?? ''),
    saveSent: saveSent === undefined ? !/(^|\.)(gmail|googlemail)\.com$/i.test(smtp?.host ?? '') : saveSent,
  };
}

function parseServer(
  value: string,
  protocol: 'imap' | 'smtp',
  problems: string[],
  name: string,
  example: string,
): (ServerAddress & { user?: string }) | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be a URL like ${example}.`);
    return undefined;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== protocol && scheme !== `${protocol}s`) {
    problems.push(`${name} must start with ${protocol}:// or ${protocol}s:// (like ${example}).`);
    return undefined;
  }
  if (url.password) {
    problems.push(`${name} must not contain the password: put it in MONO_EMAIL_PASSWORD (kept secret).`);
    return undefined;
  }
  const secure = scheme.endsWith('s');
  const defaults = protocol === 'imap' ? (secure ? 993 : 143) : secure ? 465 : 587;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : defaults,
    secure,
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
  };
}
