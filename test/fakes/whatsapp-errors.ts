// Graph API error responses as the WhatsApp Cloud API sends them: HTTP status plus
// {"error": {message, type, code, error_subcode?, error_data?, fbtrace_id}}.

export type GraphErrorCode =
  | 4
  | 10
  | 100
  | 131000
  | 131026
  | 131030
  | 131047
  | 131048
  | 131056
  | 130429
  | 190
  | 80007
  | 133010;

const ERRORS: Record<
  GraphErrorCode,
  { status: number; message: string; type?: string; subcode?: number; details: string }
> = {
  4: {
    status: 400,
    message: '(#4) Application request limit reached',
    details: 'Too many API calls from this app.',
  },
  10: {
    status: 403,
    message: '(#10) Application does not have permission for this action',
    details: 'Permission denied.',
  },
  100: { status: 400, message: '(#100) Invalid parameter', details: 'Invalid parameter' },
  131000: { status: 500, message: '(#131000) Something went wrong', details: 'Something went wrong' },
  131026: { status: 400, message: '(#131026) Message Undeliverable', details: 'Message undeliverable.' },
  131030: {
    status: 400,
    message: '(#131030) Recipient phone number not in allowed list',
    details:
      'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
  },
  131047: {
    status: 400,
    message: '(#131047) Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  131048: {
    status: 400,
    message: '(#131048) Spam rate limit hit',
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
  },
  131056: {
    status: 400,
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
  130429: {
    status: 400,
    message: '(#130429) Rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number in a short period of time.',
  },
  190: {
    status: 401,
    message:
      'Error validating access token: Session has expired on Tuesday, 24-Nov-26 16:00:00 PST. The current time is Wednesday, 25-Nov-26 01:00:00 PST.',
    subcode: 463,
    details: '',
  },
  80007: {
    status: 400,
    message:
      '(#80007) There have been too many calls to this WhatsApp Business account. Wait a bit and try again.',
    details: 'Rate limit issues.',
  },
  133010: { status: 400, message: '(#133010) Account not registered', details: 'Account not registered' },
};

export function graphError(code: GraphErrorCode, message?: string): { status: number; body: unknown } {
  const spec = ERRORS[code];
  return {
    status: spec.status,
    body: {
      error: {
        message: message ?? spec.message,
        type: 'OAuthException',
        code,
        ...(spec.subcode ? { error_subcode: spec.subcode } : {}),
        ...(spec.details
          ? { error_data: { messaging_product: 'whatsapp', details: message ?? spec.details } }
          : {}),
        fbtrace_id: 'AbCdEfGhIjK',
      },
    },
  };
}

/** The error object inside a failed status webhook (statuses[].errors[]). */
export function statusError(code: GraphErrorCode) {
  const spec = ERRORS[code];
  return {
    code,
    title: spec.message.replace(/^\(#\d+\) /, ''),
    message: spec.message.replace(/^\(#\d+\) /, ''),
    error_data: { details: spec.details },
    href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
  };
}
