// WhatsApp configuration from the environment: the official Cloud API (webhook + Graph) and the opt-in linked device.

import { Secret } from '../../config/secret.ts';
import type { Allowlist, EnvText } from '../../config/values.ts';
import type { SocketFactory } from './linked/socket.ts';

/** Meta's Graph API with the version MONO was built and tested against (Meta keeps a version ~2 years). */
export const GRAPH_API_VERSION = 'v23.0';
export const DEFAULT_GRAPH_URL = `https://graph.facebook.com/${GRAPH_API_VERSION}`;

export interface WhatsAppCloudConfig {
  token: Secret;
  phoneNumberId: string;
  appSecret: Secret;
  verifyToken: Secret;
  /** Graph base URL including the API version, without a trailing slash. */
  graphUrl: string;
  allow: Allowlist;
}

export interface WhatsAppLinkedConfig {
  /** Where the linked device keeps its keys (inside the data dir, survives restarts and updates). */
  authDir?: string;
  /** Set: ask WhatsApp for an 8-character pairing code for this number instead of (besides) the QR. */
  pairingPhone?: string;
  /** WhatsApp Web's WebSocket address, replaced only by tests or a proxy (MONO_WHATSAPP_WEB_URL). */
  webSocketUrl?: string;
  /**
   * The socket to WhatsApp Web: Baileys' when unset (never from the environment). Tests that play WhatsApp's side
   * set it, since WhatsApp's servers are out of their reach.
   */
  createSocket?: SocketFactory;
  allow: Allowlist;
}

export function loadWhatsAppCloud(text: EnvText, problems: string[]): WhatsAppCloudConfig | undefined {
  const names = [
    'WHATSAPP_TOKEN',
    'WHATSAPP_PHONE_NUMBER_ID',
    'WHATSAPP_APP_SECRET',
    'WHATSAPP_VERIFY_TOKEN',
  ];
  const set = names.filter((name) => text(name));
  if (set.length === 0) return undefined;
  const missing = names.filter((name) => !text(name));
  if (missing.length > 0) {
    problems.push(
      `WhatsApp Cloud API needs ${missing.join(', ')} as well (from the app's WhatsApp > API Setup page and App settings > Basic).`,
    );
    return undefined;
  }
  const phoneNumberId = text('WHATSAPP_PHONE_NUMBER_ID')!;
  if (!/^\d{5,20}$/.test(phoneNumberId)) {
    problems.push(
      'WHATSAPP_PHONE_NUMBER_ID must be the numeric phone number ID from WhatsApp > API Setup (not the phone number itself).',
    );
  }
  const graphUrl = graphBase(text('WHATSAPP_GRAPH_URL'));
  if (!graphUrl) problems.push('WHATSAPP_GRAPH_URL must be an http(s):// address (default Meta Graph API).');
  const allow = parseWhatsAppAllowlist(text('MONO_ALLOW_WHATSAPP'));
  if (!allow) {
    problems.push(
      'MONO_ALLOW_WHATSAPP must be * or comma-separated phone numbers with country code (+4915…).',
    );
  }
  return {
    token: new Secret(text('WHATSAPP_TOKEN')!),
    phoneNumberId,
    appSecret: new Secret(text('WHATSAPP_APP_SECRET')!),
    verifyToken: new Secret(text('WHATSAPP_VERIFY_TOKEN')!),
    graphUrl: graphUrl ?? DEFAULT_GRAPH_URL,
    allow: allow ?? { everyone: false, ids: new Set() },
  };
}

export function loadWhatsAppLinked(text: EnvText, problems: string[]): WhatsAppLinkedConfig | undefined {
  const flag = text('MONO_WHATSAPP_LINKED');
  if (!flag || /^(0|false|no|off)$/i.test(flag)) return undefined;
  if (!/^(1|true|yes|on)$/i.test(flag)) {
    problems.push('MONO_WHATSAPP_LINKED must be 1 (link a personal WhatsApp number) or 0.');
    return undefined;
  }
  const phone = text('MONO_WHATSAPP_PAIRING_PHONE');
  const pairingPhone = phone?.replace(/[\s+()-]/g, '');
  if (pairingPhone !== undefined && !/^\d{7,15}$/.test(pairingPhone)) {
    problems.push('MONO_WHATSAPP_PAIRING_PHONE must be your number with country code, e.g. +4915112345678.');
  }
  const allow = parseWhatsAppAllowlist(text('MONO_ALLOW_WHATSAPP'));
  if (!allow) {
    problems.push(
      'MONO_ALLOW_WHATSAPP must be * or comma-separated phone numbers with country code (+4915…).',
    );
  }
  const authDir = text('MONO_WHATSAPP_AUTH_DIR');
  const webSocketUrl = text('MONO_WHATSAPP_WEB_URL');
  if (webSocketUrl && !/^wss?:\/\/\S+$/.test(webSocketUrl)) {
    problems.push(
      'MONO_WHATSAPP_WEB_URL must be a ws:// or wss:// address (leave it unset for WhatsApp itself).',
    );
  }
  return {
    ...(webSocketUrl ? { webSocketUrl } : {}),
    ...(authDir ? { authDir } : {}),
    ...(pairingPhone ? { pairingPhone } : {}),
    allow: allow ?? { everyone: false, ids: new Set() },
  };
}

/** Phone numbers as WhatsApp ids: digits with country code, no "+", spaces or dashes. */
export function parseWhatsAppAllowlist(value: string | undefined): Allowlist | undefined {
  if (!value) return { everyone: false, ids: new Set() };
  if (value.trim() === '*') return { everyone: true };
  const ids = value
    .split(',')
    .map((id) => id.trim().replace(/[\s+()-]/g, ''))
    .filter(Boolean);
  if (ids.some((id) => !/^\d{6,20}$/.test(id))) return undefined;
  return { everyone: false, ids: new Set(ids) };
}

/** The Graph base with an API version: a bare host gets the pinned version appended. */
function graphBase(value: string | undefined): string | undefined {
  if (!value) return DEFAULT_GRAPH_URL;
  if (!/^https?:\/\/[^\s]+$/.test(value)) return undefined;
  const trimmed = value.replace(/\/+$/, '');
  return /\/v\d+\.\d+$/.test(trimmed) ? trimmed : `${trimmed}/${GRAPH_API_VERSION}`;
}
