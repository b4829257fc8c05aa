// A live change in the agent's datastore as main pushes it to the renderer: one shape per table, so narrowing on
// `change.table` gives the row's own type and no reader casts.
import type { DesktopInboxRow } from '../../agent-core/contract/desktop-chat.ts';
import type { OwnerClaimRow, OwnerRow } from '../../agent-core/contract/owners.ts';
import type {
  ActionRow,
  AgentStatusRow,
  ContactRow,
  ConversationRow,
  EventRow,
  JobRow,
  JobRunRow,
  MailCursorRow,
  MailRow,
  MediaPreviewRow,
  MemoryRow,
  MessageRow,
  PairingRow,
  RetryRequestRow,
  SettingRow,
  TableName,
  UsageRow,
  WhatsAppLinkRow,
} from '../../agent-core/contract/tables.ts';

/** The tables the desktop follows live (the shared contract's). */
export type SyncedTable = TableName;

/** Each table's row type; a table added to the contract without its row here fails to compile. */
interface TableRows {
  contact: ContactRow;
  conversation: ConversationRow;
  message: MessageRow;
  job: JobRow;
  job_run: JobRunRow;
  event: EventRow;
  usage: UsageRow;
  setting: SettingRow;
  pairing: PairingRow;
  agent_status: AgentStatusRow;
  memory: MemoryRow;
  action: ActionRow;
  mail: MailRow;
  mail_cursor: MailCursorRow;
  whatsapp_link: WhatsAppLinkRow;
  retry_request: RetryRequestRow;
  media_preview: MediaPreviewRow;
  owner: OwnerRow;
  owner_claim: OwnerClaimRow;
  desktop_inbox: DesktopInboxRow;
}
export type RowOf<T extends SyncedTable> = { [K in SyncedTable]: TableRows[K] }[T];

/** What happened to one record; `row` is absent for a delete. */
export interface RowChange<Row> {
  action: 'CREATE' | 'UPDATE' | 'DELETE';
  id: string;
  /** The row as the agent stored it (the live query's value, not checked on the way). */
  row?: Row;
}

export type DbChange = { [T in SyncedTable]: RowChange<RowOf<T>> & { table: T } }[SyncedTable];
