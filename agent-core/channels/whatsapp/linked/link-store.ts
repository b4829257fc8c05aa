// The linked device's pairing state in the datastore (whatsapp_link:current), for the desktop to show live.
import { RecordId, type Surreal } from 'surrealdb';

export const LINK_ID = new RecordId('whatsapp_link', 'current');

export type LinkState = 'connecting' | 'qr' | 'pairing_code' | 'connected' | 'logged_out' | 'disconnected';

export interface LinkRow {
  state: LinkState;
  qr?: string;
  pairing_code?: string;
  pairing_phone?: string;
  account?: string;
  detail?: string;
}

/** Replaces the row: fields not given are cleared (an old QR never lingers next to "connected"). */
export async function writeLink(db: Surreal, row: LinkRow): Promise<void> {
  await db
    .query('UPSERT $id CONTENT $row', { id: LINK_ID, row: { ...row, updated_at: new Date() } })
    .collect();
}
