import { type ArbitrationOverdueNotice, logNotifier, type Notifier } from './notifier.js';

export interface WebhookNotifierOptions {
  url: string;
  /** Per attempt; the activity's retry policy decides how often to try again. */
  timeoutMs?: number;
  /** Still told about every notice, so that the worker log shows it even while the webhook is down. */
  also?: Notifier;
}

/** What the arbitration webhook receives, as JSON. */
export interface ArbitrationOverduePayload extends ArbitrationOverdueNotice {
  type: 'arbitration_overdue';
}

/**
 * POSTs each notice as JSON (e.g. to a Slack or pager relay). A non-2xx answer or a timeout throws,
 * so the notifying activity is retried; the `Idempotency-Key` header is the same on every retry and
 * lets a receiver drop duplicates.
 */
export function webhookNotifier({
  url,
  timeoutMs = 10_000,
  also = logNotifier,
}: WebhookNotifierOptions): Notifier {
  return {
    async arbitrationOverdue(notice) {
      await also.arbitrationOverdue(notice);
      const payload: ArbitrationOverduePayload = { type: 'arbitration_overdue', ...notice };
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `${notice.orderId}:arbitration-overdue:${notice.dueAt}`,
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Releases the connection: nobody reads the receiver's answer.
      await response.body?.cancel();
      if (!response.ok) {
        // The origin only: relay URLs (Slack's, for one) carry their secret in the path, and this
        // message is kept in the workflow history.
        throw new Error(`arbitration webhook at ${new URL(url).origin} answered HTTP ${response.status}`);
      }
    },
  };
}
