import { type ArbitrationOverdueNotice, logNotifier, type Notifier } from './notifier.js';
import { standardWebhookSigner } from './standard-webhook-signature.js';

export interface WebhookNotifierOptions {
  url: string;
  /** `whsec_…`, the newest first: the notices are signed like the order events (WEBHOOK_SECRETS). */
  secrets: string[];
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
 * The `webhook-id` of a notice: the same on every retry, so that a receiver drops duplicates by
 * it; one order's arbitration is overdue once per due date. The due date goes in as epoch
 * milliseconds: the signed content is split at dots, so the id should not add any.
 */
export const arbitrationOverdueNoticeId = (notice: ArbitrationOverdueNotice) =>
  `ntc_${notice.orderId}_arbitration_overdue_${Date.parse(notice.dueAt)}`;

/**
 * POSTs each notice as JSON (e.g. to a Slack or pager relay), signed per Standard Webhooks. A
 * non-2xx answer or a timeout throws, so the notifying activity is retried; `webhook-id` and the
 * `Idempotency-Key` header are the same on every retry and let a receiver drop duplicates.
 */
export function webhookNotifier({
  url,
  secrets,
  timeoutMs = 10_000,
  also = logNotifier,
}: WebhookNotifierOptions): Notifier {
  const sign = standardWebhookSigner(secrets);
  return {
    async arbitrationOverdue(notice) {
      await also.arbitrationOverdue(notice);
      const payload: ArbitrationOverduePayload = { type: 'arbitration_overdue', ...notice };
      const body = JSON.stringify(payload);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'trade-escrow-webhooks/1',
          'idempotency-key': `${notice.orderId}:arbitration-overdue:${notice.dueAt}`,
          ...sign(arbitrationOverdueNoticeId(notice), body),
        },
        body,
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
