// Webhook payloads exactly as Meta sends them for the WhatsApp Cloud API (object, entry, changes, value).
import { type GraphErrorCode, statusError } from './whatsapp-errors.ts';

export const WABA_ID = '102290129340398';

export interface WebhookPayload {
  object: 'whatsapp_business_account';
  entry: {
    id: string;
    changes: {
      field: string;
      value: {
        messaging_product: 'whatsapp';
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: { profile: { name: string }; wa_id: string }[];
        messages?: ({ id: string; from: string; timestamp: string; type: string } & Record<
          string,
          unknown
        >)[];
        statuses?: Record<string, unknown>[];
      };
    }[];
  }[];
}

function envelope(
  phoneNumberId: string,
  value: Partial<WebhookPayload['entry'][0]['changes'][0]['value']>,
): WebhookPayload {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550100001', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

const now = () => String(Math.floor(Date.now() / 1000));

export function textMessage(
  phoneNumberId: string,
  input: { from: string; text: string; name?: string; id: string; at?: number },
): WebhookPayload {
  const timestamp = String(Math.floor((input.at ?? Date.now()) / 1000));
  return envelope(phoneNumberId, {
    contacts: [{ profile: { name: input.name ?? 'Test User' }, wa_id: input.from }],
    messages: [{ from: input.from, id: input.id, timestamp, type: 'text', text: { body: input.text } }],
  });
}

export function mediaMessage(
  phoneNumberId: string,
  input: { from: string; type: string; id: string; body?: Record<string, unknown> },
): WebhookPayload {
  const defaults: Record<string, Record<string, unknown>> = {
    image: { mime_type: 'image/jpeg', sha256: 'abc', id: '1234567890' },
    audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'def', id: '1234567891', voice: true },
    location: { latitude: 52.52, longitude: 13.405, name: 'Alexanderplatz', address: 'Berlin' },
  };
  return envelope(phoneNumberId, {
    contacts: [{ profile: { name: 'Test User' }, wa_id: input.from }],
    messages: [
      {
        from: input.from,
        id: input.id,
        timestamp: now(),
        type: input.type,
        [input.type]: input.body ?? defaults[input.type] ?? {},
      },
    ],
  });
}

export function failedStatus(
  phoneNumberId: string,
  input: { id: string; recipient: string; code: GraphErrorCode },
): WebhookPayload {
  return envelope(phoneNumberId, {
    statuses: [
      {
        id: input.id,
        status: 'failed',
        timestamp: now(),
        recipient_id: input.recipient,
        errors: [statusError(input.code)],
      },
    ],
  });
}

export function deliveredStatus(
  phoneNumberId: string,
  input: { id: string; recipient: string },
): WebhookPayload {
  return envelope(phoneNumberId, {
    statuses: [
      {
        id: input.id,
        status: 'delivered',
        timestamp: now(),
        recipient_id: input.recipient,
        conversation: { id: 'CONVERSATION_ID', origin: { type: 'service' } },
        pricing: { billable: false, pricing_model: 'PMP', category: 'service' },
      },
    ],
  });
}
