// What a message carried and what the agent looked up, in the live conversation view: photos as thumbnails that
// open large, documents as named files, voice notes with their transcript (or how to turn transcription on), and
// the web searches behind a reply with their sources.
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import type { AttachmentRow, MessageRow, ToolCallRecord } from '../../../agent-core/contract/tables.ts';
import { Icon } from '../../components/icons.tsx';
import { mono } from '../../lib/mono.ts';
import { go } from '../../store/actions.ts';
import './attachments.css';

const WHY: Record<string, string> = {
  video: 'not watched: videos are not supported',
  too_large: 'too large for Claude',
  not_readable: 'a kind of file Claude cannot read',
  not_what_it_says: 'not what its name says: not opened',
  image_format: 'an image format Claude cannot read',
  too_many_pages: 'more than 100 pages',
  image_too_big: 'more than 8000 pixels on a side',
  stt_failed: 'could not be transcribed',
  download_failed: 'could not be fetched',
  no_disk_room: 'not kept: the server was short of disk space',
};

export function Attachments({ message }: { message: MessageRow }) {
  const files = message.attachments ?? [];
  if (files.length === 0) return null;
  return (
    <div className="files">
      {files.map((attachment, index) => (
        <Attachment
          // biome-ignore lint/suspicious/noArrayIndexKey: a message's attachments never move
          key={index}
          attachment={attachment}
          message={message}
          index={index}
        />
      ))}
    </div>
  );
}

function Attachment({
  attachment,
  message,
  index,
}: {
  attachment: AttachmentRow;
  message: MessageRow;
  index: number;
}) {
  if ((attachment.kind === 'image' || attachment.kind === 'sticker') && attachment.preview) {
    return <Thumbnail message={message.id} index={index} name={attachment.name} />;
  }
  if (attachment.kind === 'voice' || attachment.kind === 'audio')
    return <VoiceNote attachment={attachment} />;
  return <FileChip attachment={attachment} processing={message.status === 'processing'} />;
}

function state(attachment: AttachmentRow, processing = true): string | undefined {
  if (attachment.status === 'pending') return processing ? 'fetching…' : 'not fetched';
  if (attachment.status === 'expired') return 'deleted after the retention period';
  if (attachment.status === 'refused' || attachment.status === 'failed')
    return WHY[attachment.reason ?? ''] ?? 'not read';
  return undefined;
}

function FileChip({ attachment, processing }: { attachment: AttachmentRow; processing: boolean }) {
  const label = attachment.kind === 'image' ? 'Photo' : attachment.kind === 'video' ? 'Video' : 'Document';
  const facts = [
    attachment.mime === 'application/pdf' ? 'PDF' : attachment.mime === 'text/plain' ? 'Text' : undefined,
    attachment.pages ? `${attachment.pages} ${attachment.pages === 1 ? 'page' : 'pages'}` : undefined,
    attachment.bytes ? size(attachment.bytes) : undefined,
  ].filter(Boolean);
  const note = state(attachment, processing);
  return (
    <div
      className={`file${note && attachment.status !== 'pending' ? ' file-refused' : ''}`}
      data-testid="file"
    >
      <span className="file-icon" aria-hidden="true">
        {attachment.kind === 'video' ? '▶' : '📄'}
      </span>
      <span className="file-body">
        <strong>{attachment.name ?? label}</strong>
        <span className="file-facts">{[...facts, note].filter(Boolean).join(' · ')}</span>
      </span>
    </div>
  );
}

function VoiceNote({ attachment }: { attachment: AttachmentRow }) {
  const length = attachment.duration_s ? ` · ${clockLength(attachment.duration_s)}` : '';
  return (
    <div className="voice" data-testid="voice-note">
      <span className="voice-head">
        🎤 {attachment.kind === 'voice' ? 'Voice note' : 'Audio'}
        {length}
      </span>
      {attachment.transcript !== undefined ? (
        <q className="transcript">{attachment.transcript || '(nothing could be made out)'}</q>
      ) : attachment.reason === 'no_stt' ? (
        <span className="voice-hint">
          Not transcribed: your agent needs a speech-to-text service to hear voice notes.{' '}
          <button type="button" className="link" onClick={() => go('integrations')}>
            Set it up in Integrations
          </button>
        </span>
      ) : (
        <span className="file-facts">{state(attachment) ?? 'transcribing…'}</span>
      )}
    </div>
  );
}

/** Previews loaded once per session and message (a thread is re-rendered often, the bytes never change). */
const previews = new Map<string, Promise<{ mime: string; data: string } | null>>();

function loadPreview(message: string, index: number) {
  const key = `${message}#${index}`;
  let preview = previews.get(key);
  if (!preview) {
    preview = mono.media.preview({ message, index }).catch(() => null);
    previews.set(key, preview);
    if (previews.size > 300) previews.delete(previews.keys().next().value!);
  }
  return preview;
}

function Thumbnail({ message, index, name }: { message: string; index: number; name?: string | undefined }) {
  const [src, setSrc] = useState<string | null>();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let live = true;
    void loadPreview(message, index).then((preview) => {
      if (live) setSrc(preview ? `data:${preview.mime};base64,${preview.data}` : null);
    });
    return () => {
      live = false;
    };
  }, [message, index]);
  useEffect(() => {
    if (!open) return;
    const close = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, [open]);
  const alt = name ?? 'Photo';
  if (src === null)
    return <div className="file file-refused">🖼 {alt} · deleted after the retention period</div>;
  return (
    <>
      <button
        type="button"
        className="thumb"
        onClick={() => setOpen(true)}
        aria-label={`Open ${alt}`}
        disabled={!src}
      >
        {src ? (
          <img src={src} alt={alt} data-testid="thumbnail" />
        ) : (
          <span className="thumb-wait">loading…</span>
        )}
      </button>
      {open &&
        src &&
        // On the page itself: a thread row is transformed (virtual list), which would trap a fixed overlay.
        createPortal(
          // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes it too (the listener above)
          <div className="lightbox" role="dialog" aria-label={alt} onClick={() => setOpen(false)}>
            <img src={src} alt={alt} data-testid="lightbox-image" />
          </div>,
          document.body,
        )}
    </>
  );
}

/** The web searches and fetches behind a reply, each with the sources it found. */
export function WebLookups({ calls }: { calls: ToolCallRecord[] }) {
  const lookups = calls.filter((call) => call.server);
  if (lookups.length === 0) return null;
  return (
    <div className="lookups" data-testid="web-lookups">
      {lookups.map((call) => {
        const input = (call.input ?? {}) as { query?: string; url?: string };
        const sources = Array.isArray(call.result) ? (call.result as { title?: string; url?: string }[]) : [];
        return (
          <details key={call.id} className={`tool${call.is_error ? ' tool-error' : ''}`}>
            <summary>
              <Icon.Search />{' '}
              {call.name === 'web_fetch'
                ? `Read ${input.url ?? 'a page'}`
                : `Searched “${input.query ?? ''}”`}
              {sources.length > 0 && <span className="lookup-count">{sources.length} results</span>}
              {call.is_error && <span className="tool-failed">failed</span>}
            </summary>
            <ul className="sources">
              {sources.map((source) => (
                <li key={source.url}>
                  <a href={source.url} target="_blank" rel="noreferrer">
                    {source.title || source.url}
                  </a>
                </li>
              ))}
            </ul>
          </details>
        );
      })}
    </div>
  );
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function clockLength(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
