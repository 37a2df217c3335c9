import { CREDIT_LINE_EVENT_TYPES, type CreditLineEventType } from '../workflows/credit-line/model/events.js';
import { ORDER_EVENT_TYPES, type OrderEventType } from '../workflows/model/events.js';
import { SUPPLIER_EVENT_TYPES, type SupplierEventType } from '../workflows/model/program.js';
// Registers the components the webhooks below refer to.
import './schemas/webhooks.js';

/** What each event announces; the compiler asks for a line per type of ORDER_EVENT_TYPES. */
const WHEN: Record<OrderEventType, string> = {
  'order.created': 'The workflow started.',
  'order.payment_received': 'A payment was credited to escrow.',
  'order.funded': 'Payments reached the deposit: `awaiting_shipment`.',
  'order.shipped': 'The supplier shipped: `in_transit`.',
  'order.delivered': 'Delivered: `inspection`, the inspection window runs.',
  'order.dispute_opened':
    'A claim, a contradicting inspection report or a missed `deliverBy`: `negotiation`.',
  'order.offer_made': 'A party offered a refund.',
  'order.arbitration_opened': 'The order went to `arbitration`: an arbitrator decides.',
  'order.arbitration_overdue': 'The arbitration SLA passed without a decision.',
  'order.arbitration_decided': 'An arbitrator decided; the decision is in the snapshot.',
  'order.balance_overdue': '`balanceDueBy` passed with part of the amount unpaid (`balanceOverdue: true`).',
  'order.extension_proposed': 'A party proposed a later deadline (`extensions` in the snapshot).',
  'order.extension_accepted': 'A proposed later deadline was accepted and now applies.',
  'order.extension_rejected': 'A proposed later deadline was rejected.',
  'order.extension_expired': 'A proposed later deadline was not answered in time.',
  'order.payout': 'One ledger movement out of escrow (`payouts` in the snapshot).',
  'order.claim_filed': 'A claim was filed, by the buyer or automatically (report, missed delivery).',
  'order.statement_added': "A party's statement; the statement is `data.statement`.",
  'order.return_requested': 'A full refund after delivery waits for the goods: `return_pending`.',
  'order.return_shipped': 'The buyer shipped the goods back (`return.shipment`).',
  'order.return_delivered': 'The returned goods reached the supplier; the receipt window runs.',
  'order.return_received':
    'The supplier said what came back (`return.receipt`): refunded when `as_sent`, otherwise arbitration.',
  'order.payment_reversed':
    'The rail took a payment back (`reversals` in the snapshot); before shipment, below the deposit, the order is cancelled.',
  'order.released': 'The order closed with outcome `released` (`reason` in the snapshot).',
  'order.refunded': 'The order closed with outcome `refunded` (`reason` in the snapshot).',
  'order.split': 'The order closed with outcome `split` (`reason` in the snapshot).',
  'order.cancelled': 'The order closed with outcome `cancelled` (`reason` in the snapshot).',
};

/** The same for the supplier program's events (docs/program.md#events). */
const SUPPLIER_WHEN: Record<SupplierEventType, string> = {
  'supplier.enrolled': 'The supplier joined the program (an assessment follows at once).',
  'supplier.updated': 'The supplier was created outside the program, or its name or country changed.',
  'supplier.status_changed':
    'An assessment (or leaving the program) changed the status: `data.from`, `data.to`, `data.reasons`.',
  'supplier.limit_changed':
    'An assessment changed a limit: `data.currency` (`*`: every other), `data.from`, `data.to`.',
};

/** The same for the credit lines' events (docs/credit.md#events). */
const LINE_WHEN: Record<CreditLineEventType, string> = {
  'credit_line.applied': 'A buyer applied: the line is `scoring`.',
  'credit_line.scored':
    'The scorecard decided: `data.detail.decision`, the score, an offer when approved in principle.',
  'credit_line.verification_overdue': 'The underwriter’s target passed without a verification.',
  'credit_line.verified': 'An underwriter approved the line: `active`, with its limit.',
  'credit_line.declined': 'Declined by the scorecard (its reasons) or by the underwriter.',
  'credit_line.drawn': 'A draw became principal: `data.detail` has the order, the amount and the due date.',
  'credit_line.repaid':
    'A repayment (interest first, then the oldest draws) or a refund of a financed order.',
  'credit_line.statement': 'A statement period ended: `data.detail.statement`, its interest billed.',
  'credit_line.overdue': 'A draw passed its due date unpaid.',
  'credit_line.frozen': 'The line lends no more until its overdue draws are repaid.',
  'credit_line.unfrozen': 'Its overdue draws repaid, the line lends again.',
  'credit_line.closed': 'The line closed, nothing owed.',
};

const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

/** The headers of the Standard Webhooks specification (www.standardwebhooks.com), on every delivery. */
export const WEBHOOK_PARAMETERS = {
  WebhookId: {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description:
      'The event id (the notice id for `arbitration_overdue`): the same on every retry, so deduplicate on it.',
    schema: { type: 'string' },
    example: 'evt_PO-1001_7',
  },
  WebhookTimestamp: {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'Unix seconds of this attempt; refuse one more than 5 minutes from your clock (a replay).',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '1764712394',
  },
  WebhookSignature: {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">` with the key of each ' +
      '`whsec_` secret of WEBHOOK_SECRETS, space-separated: one matching signature authenticates the ' +
      'delivery. Verify it with a Standard Webhooks library (docs/api.md#webhooks).',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$' },
    example:
      'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,3m1/e7Vpa1bZ1Ca0gkS2Sm4EgbPZ2mV4x3w7zYq5P3c=',
  },
  EscrowSignature: {
    name: 'escrow-signature',
    in: 'header',
    required: false,
    deprecated: true,
    description:
      'Deprecated, sent for one release with WEBHOOK_LEGACY_SIGNATURE=1 only (with `Escrow-Event-Id` ' +
      'and `Escrow-Event-Type`): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with ' +
      'WEBHOOK_SECRET (docs/api.md#upgrading-from-escrow-signature).',
    schema: { type: 'string' },
  },
  NoticeIdempotencyKey: {
    name: 'idempotency-key',
    in: 'header',
    required: true,
    description: '`<orderId>:arbitration-overdue:<dueAt>`, the same on every retry',
    schema: { type: 'string' },
  },
} as const;

const responses = {
  '2XX': { description: 'Acknowledged: the delivery is done. Answer at once, then process.' },
  '4XX': {
    description:
      'Refused, e.g. a signature that does not verify. Any answer but 2XX, a timeout (10 s) or a refused ' +
      'connection is retried after 1 s, 2 s, 4 s, … up to every 10 minutes, for 72 hours.',
  },
};

/**
 * OpenAPI 3.1 `webhooks`: one per event type of ORDER_EVENT_TYPES and SUPPLIER_EVENT_TYPES, and the
 * arbitration notice.
 */
export function openApiWebhooks() {
  const kinds = [
    ...ORDER_EVENT_TYPES.map((type) => ({ type, when: WHEN[type], per: 'order', schema: 'WebhookEvent' })),
    ...SUPPLIER_EVENT_TYPES.map((type) => ({
      type,
      when: SUPPLIER_WHEN[type],
      per: 'supplier',
      schema: 'SupplierWebhookEvent',
    })),
    ...CREDIT_LINE_EVENT_TYPES.map((type) => ({
      type,
      when: LINE_WHEN[type],
      per: 'line',
      schema: 'CreditLineWebhookEvent',
    })),
  ];
  const events = Object.fromEntries(
    kinds.map(({ type, when, per, schema }) => [
      type,
      {
        post: {
          operationId: `${type.replace(/[._](\w)/g, (_, c: string) => c.toUpperCase())}Webhook`,
          summary: `Event ${type}`,
          description: `${when} POSTed to every URL of WEBHOOK_URLS, in order per ${per}, at least once.`,
          tags: ['webhooks'],
          security: [],
          parameters: [
            param('WebhookId'),
            param('WebhookTimestamp'),
            param('WebhookSignature'),
            param('EscrowSignature'),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  allOf: [
                    { $ref: `#/components/schemas/${schema}` },
                    { type: 'object', properties: { type: { const: type } }, required: ['type'] },
                  ],
                },
              },
            },
          },
          responses,
        },
      },
    ]),
  );
  return {
    ...events,
    arbitration_overdue: {
      post: {
        operationId: 'arbitrationOverdueNotice',
        summary: 'Notice: an arbitration is overdue',
        description:
          'POSTed to ARBITRATION_WEBHOOK_URL (a pager or chat relay) when an order’s arbitration SLA ' +
          'passed without a decision; signed like the order events.',
        tags: ['webhooks'],
        security: [],
        parameters: [
          param('WebhookId'),
          param('WebhookTimestamp'),
          param('WebhookSignature'),
          param('NoticeIdempotencyKey'),
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/ArbitrationOverdueNotice' } },
          },
        },
        responses,
      },
    },
  };
}
