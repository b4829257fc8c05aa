// Graph API errors of the WhatsApp Cloud API, each with what the owner can do about it and whether a retry helps.
// Codes: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes

export interface GraphErrorInfo {
  /** What happened and what to do, for the agent's status and the message's error. */
  reason: string;
  /** Retrying the same request cannot help (only the owner, or the recipient writing again, can). */
  permanent: boolean;
  /** The error concerns the whole channel (token, account), not just this one recipient. */
  channelWide: boolean;
}

export class GraphApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    readonly graphMessage: string,
    readonly details: string | undefined,
    readonly info: GraphErrorInfo,
  ) {
    super(info.reason);
    this.name = 'GraphApiError';
  }
}

const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056, 131048]);

/** Meta asked to slow down (app, account or pair rate limits). */
export function isRateLimit(code: number | undefined): boolean {
  return code !== undefined && RATE_LIMIT_CODES.has(code);
}

export function classifyGraphError(
  status: number,
  code: number | undefined,
  details?: string,
  recipient?: string,
): GraphErrorInfo {
  const who = recipient ? `+${recipient}` : 'the recipient';
  if (code === 190 || status === 401) {
    return {
      reason:
        'WhatsApp refused the access token (Graph error 190: expired or revoked). Create a permanent token ' +
        '(Meta Business Settings > System users > Generate token, with whatsapp_business_messaging) and set WHATSAPP_TOKEN.',
      permanent: true,
      channelWide: true,
    };
  }
  if (code === 131047) {
    return {
      reason:
        `More than 24 hours passed since ${who} last wrote (Graph error 131047): WhatsApp only lets a business ` +
        'answer within 24 hours of the last message. The reply was kept but not delivered; it goes out if they write again.',
      permanent: true,
      channelWide: false,
    };
  }
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
    const which =
      code === 131056
        ? `too many messages to ${who} in a short time`
        : code === 131048
          ? 'the number is limited for spam after recipients blocked or reported it'
          : 'the Cloud API rate limit was hit';
    return {
      reason: `WhatsApp is rate limiting (Graph error ${code}: ${which}). MONO retries with a pause; if it persists, send less or raise the number's messaging tier.`,
      permanent: false,
      channelWide: code !== 131056,
    };
  }
  if (code === 131030) {
    return {
      reason: `${who} is not in the test number's allowed recipients (Graph error 131030): add them under WhatsApp > API Setup, or use a registered business number.`,
      permanent: true,
      channelWide: false,
    };
  }
  if (code === 131026) {
    return {
      reason: `WhatsApp could not deliver to ${who} (Graph error 131026: not on WhatsApp, old app, or they blocked the number).`,
      permanent: true,
      channelWide: false,
    };
  }
  if (code === 133010 || code === 131031 || code === 368 || code === 131042) {
    const what: Record<number, string> = {
      133010:
        'the phone number is not registered with the Cloud API: register it (POST /PHONE_NUMBER_ID/register)',
      131031: 'the business account is locked: check Meta Business Suite',
      368: 'the account is temporarily blocked for policy violations: check WhatsApp Manager',
      131042: 'there is a payment problem on the WhatsApp Business Account: check the payment method',
    };
    return {
      reason: `WhatsApp refused (Graph error ${code}): ${what[code]}.`,
      permanent: true,
      channelWide: true,
    };
  }
  if (code === 10 || code === 3 || (code !== undefined && code >= 200 && code < 300)) {
    return {
      reason: `The access token lacks a permission (Graph error ${code}): give it whatsapp_business_messaging and whatsapp_business_management for this WhatsApp account, then set WHATSAPP_TOKEN.`,
      permanent: true,
      channelWide: true,
    };
  }
  if (code === 100 || status === 400 || status === 404) {
    return {
      reason: `WhatsApp refused the request (Graph error ${code ?? status}${details ? `: ${details}` : ''}). Check WHATSAPP_PHONE_NUMBER_ID.`,
      permanent: true,
      channelWide: false,
    };
  }
  return {
    reason: `WhatsApp had a temporary problem (HTTP ${status}${code !== undefined ? `, Graph error ${code}` : ''}${details ? `: ${details}` : ''}); MONO retries.`,
    permanent: false,
    channelWide: false,
  };
}
