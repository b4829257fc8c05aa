// The datastore side of files: the attachments on a message row (the desktop watches them change live), the
// small image copies the desktop shows (media_preview), and marking files the retention period removed.
import { RecordId, type Surreal } from 'surrealdb';
import type { Attachment } from './attachments.ts';

/** The id of an attachment's preview row: one per message and position. */
export function previewId(message: RecordId, index: number): RecordId {
  return new RecordId('media_preview', `${String(message.id)}-${index}`);
}

export async function saveAttachments(
  db: Surreal,
  message: RecordId,
  attachments: Attachment[],
): Promise<void> {
  await db
    .query('UPDATE $id SET attachments = $attachments, updated_at = time::now()', {
      id: message,
      attachments,
    })
    .collect();
}

export async function savePreview(
  db: Surreal,
  message: RecordId,
  index: number,
  preview: { mime: string; data: string },
): Promise<void> {
  await db
    .query('UPSERT $id CONTENT { message: $message, mime: $mime, data: $data, created_at: time::now() }', {
      id: previewId(message, index),
      message,
      ...preview,
    })
    .collect();
}

/**
 * The files of these messages are gone (retention): their attachments say `expired` and lose their file and
 * preview, in one transaction per message so the desktop never shows a preview of a file that is gone.
 */
export async function markExpired(db: Surreal, message: RecordId, indexes: readonly number[]): Promise<void> {
  const [rows] = await db
    .query<[{ attachments?: Attachment[] }[]]>('SELECT attachments FROM $id', { id: message })
    .collect();
  const attachments = rows[0]?.attachments;
  if (!Array.isArray(attachments)) return;
  const next = attachments.map((attachment, index) => {
    if (!indexes.includes(index)) return attachment;
    const { file: _file, preview: _preview, ...rest } = attachment;
    return { ...rest, status: 'expired' as const };
  });
  await db
    .query(
      `BEGIN;
       UPDATE $id SET attachments = $attachments;
       DELETE $previews;
       COMMIT;`,
      { id: message, attachments: next, previews: indexes.map((index) => previewId(message, index)) },
    )
    .collect();
}
