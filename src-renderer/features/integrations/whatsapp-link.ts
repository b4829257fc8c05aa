// One reading of the linked WhatsApp device's state, used by every place that shows it (the Integrations card,
// the wizard's last step, the Server screen), so they always agree.
import type { WhatsAppLink } from '../../../src-main/ipc/contract.ts';

export interface LinkStatus {
  tone: 'good' | 'warn' | 'bad' | 'neutral';
  label: string;
  /** Waiting for the owner to scan or type a code. */
  waiting: boolean;
}

export function linkStatus(link: WhatsAppLink | null | undefined): LinkStatus {
  switch (link?.state) {
    case 'connected':
      return { tone: 'good', label: 'Linked', waiting: false };
    case 'qr':
    case 'pairing_code':
      return { tone: 'warn', label: 'Waiting for you to link', waiting: true };
    case 'logged_out':
      return { tone: 'bad', label: 'Logged out', waiting: false };
    case 'disconnected':
      return { tone: 'warn', label: 'Disconnected', waiting: false };
    default:
      return { tone: 'neutral', label: 'Starting…', waiting: false };
  }
}
