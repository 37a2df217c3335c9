import { log } from '@temporalio/activity';
import type { ArbitrationOverdueNotice } from '../workflows/model/activities.js';

export type { ArbitrationOverdueNotice };

/** Where the engine tells people things; the webhook delivery plugs in here. */
export interface Notifier {
  arbitrationOverdue(notice: ArbitrationOverdueNotice): Promise<void>;
}

export const logNotifier: Notifier = {
  async arbitrationOverdue(notice) {
    log.warn('arbitration overdue: an arbitrator must decide this order', { ...notice });
  },
};
