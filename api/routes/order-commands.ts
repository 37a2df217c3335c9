import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Role } from '../../config/api-keys.js';
import { UPDATES, type UpdateName } from '../../workflows/model/messages.js';
import type { OrderSnapshot } from '../../workflows/model/state.js';
import {
  EXTENSION_CAP_DAYS,
  MAX_DISPUTE_EVIDENCE,
  MAX_EVIDENCE_ITEMS,
  MAX_EXTENSIONS,
  MAX_OFFERS,
  MAX_PAYMENTS,
  MAX_STATEMENT_TEXT_BYTES,
  MAX_STATEMENTS,
  MAX_TEXT,
  MAX_TIMELINE_ENTRIES,
} from '../../workflows/schemas/caps.js';
import {
  AcceptanceEventSchema,
  ArbitrationDecisionSchema,
  CancelEventSchema,
  ClaimEventSchema,
  DeliveryEventSchema,
  ExtensionAnswerSchema,
  ExtensionProposalSchema,
  type PaymentEvent,
  PaymentRequestSchema,
  ReturnDeliveryEventSchema,
  ReturnReceiptEventSchema,
  ReturnShipmentEventSchema,
  ReversalSchema,
  SettlementEventSchema,
  ShipmentEventSchema,
  StatementEventSchema,
} from '../../workflows/schemas/commands.js';
import { InspectionReportSchema } from '../../workflows/schemas/inspection-report.js';
import type { PaymentIntake } from '../payment-intake.js';
import { OrderSnapshotSchema } from '../schemas/order-snapshot.js';
import {
  ExtensionParamsSchema,
  IdempotencyHeadersSchema,
  OrderParamsSchema,
  PaymentParamsSchema,
} from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';

export interface CommandRoute<S extends z.ZodType = z.ZodType> {
  /** Under `/v1/orders/:orderId/`; its other `:parameters` go into the Update's argument. */
  path: string;
  /** The path's parameters; `orderId` alone by default. */
  params?: z.ZodObject;
  /** 201 for a route that creates something the snapshot lists (an extension proposal). */
  created?: true;
  body: S;
  roles: readonly Role[];
  summary: string;
  description: string;
  /** A body the route accepts: what the chaos soak's access matrix sends. */
  example: z.input<S>;
}

const route = <S extends z.ZodType>(r: CommandRoute<S>) => r;

const KIB = 1024;

/**
 * The marketplace's (and the arbitrator's) events, one route per Update of the command registry
 * (workflows/model/messages.ts): a new Update does not compile until it has its route here.
 */
export const COMMAND_ROUTES = {
  recordPayment: route({
    path: 'payments',
    body: PaymentRequestSchema,
    roles: ['marketplace'],
    summary: 'Record a payment into escrow',
    description:
      'Funds the order once the payments reach the deposit; later payments (the balance) are credited too. ' +
      `A repeated \`reference\` with the same amount is a no-op. An order takes at most ${MAX_PAYMENTS} payments ` +
      '(422 past it). `method` (default `tt`) must be one the program covers (422 ' +
      '/problems/payment-method-not-covered). `method: "credit_line"` with `creditLineId` draws on the buyer’s ' +
      'credit line: the lender pays the escrow, or 422 /problems/credit-unavailable `{ available, lineStatus }` ' +
      'and nothing changes.',
    example: { amount: 250_000, reference: 'wire-0001' },
  }),
  recordShipment: route({
    path: 'shipment',
    body: ShipmentEventSchema,
    roles: ['marketplace'],
    summary: 'The supplier shipped',
    description: '`shippedAt` (default now) must not be in the future nor after the contract’s `shipBy`.',
    example: { carrier: 'Maersk', trackingNumber: 'MSKU1234565' },
  }),
  recordDelivery: route({
    path: 'delivery',
    body: DeliveryEventSchema,
    roles: ['marketplace'],
    summary: 'The goods were delivered: the inspection window starts',
    description:
      '`deliveredAt` defaults to now. Send `{}` for "delivered now". During a non-delivery dispute in ' +
      'negotiation it supersedes the `not_delivered` claim and the inspection window runs from the later of ' +
      '`deliveredAt` and now; in arbitration it is recorded for the arbitrator (`dispute.lateDelivery`).',
    example: {},
  }),
  submitInspection: route({
    path: 'inspection',
    body: InspectionReportSchema,
    roles: ['marketplace'],
    summary: "The buyer's inspection report",
    description:
      'A report that conforms to the contract and measures every quality term releases the escrow to the ' +
      'supplier; one that conforms but leaves terms unmeasured is recorded and the inspection goes on; one ' +
      'that contradicts the contract opens a dispute with an automatic claim for what escrow covers ' +
      '(negotiation, or arbitration at once when the negotiation window is PT0S).',
    example: { measurements: { moisture: 11.5, grade: 'A' }, receivedQuantity: 1000, evidence: [] },
  }),
  fileClaim: route({
    path: 'claims',
    body: ClaimEventSchema,
    roles: ['marketplace'],
    summary: "The buyer's claim: opens the dispute",
    description:
      'During inspection, before its window ends, with no open claim. `requestedRefund` is at most what ' +
      'escrow covers (`min(funded, amount)`) and stays fixed. Opens the negotiation (arbitration at once ' +
      'when the negotiation window is PT0S). Event `order.claim_filed`.',
    example: {
      reason: 'damaged',
      description: 'Twelve bags torn on arrival; photos attached.',
      requestedRefund: 300_000,
      evidence: [{ uri: 'https://files.example.com/claims/torn-bags.jpg' }],
    },
  }),
  acceptGoods: route({
    path: 'acceptance',
    body: AcceptanceEventSchema,
    roles: ['marketplace'],
    summary: 'The buyer accepts the goods',
    description: 'During inspection: releases the escrow to the supplier (`buyer_accepted`). Body `{}`.',
    example: {},
  }),
  addStatement: route({
    path: 'statements',
    body: StatementEventSchema,
    roles: ['marketplace'],
    summary: "A party's statement in the dispute",
    description:
      `In negotiation and arbitration until the case is decided: text (1–${MAX_TEXT} characters) and up to ` +
      `${MAX_DISPUTE_EVIDENCE} evidence items, stored with its party and time. An order holds at most ` +
      `${MAX_STATEMENTS} statements, ${MAX_STATEMENT_TEXT_BYTES / KIB} KiB of statement text and ` +
      `${MAX_EVIDENCE_ITEMS} evidence items (claims and statements); past a cap the answer is 422. ` +
      'Event `order.statement_added`.',
    example: {
      party: 'supplier',
      text: 'The bags left our warehouse intact; see the loading photos.',
      evidence: [{ uri: 'https://files.example.com/statements/loading.jpg' }],
    },
  }),
  settle: route({
    path: 'settlement',
    body: SettlementEventSchema,
    roles: ['marketplace'],
    summary: 'A move in the negotiation of a dispute',
    description:
      'Either party: `offer` a refund (supersedes any open offer), `accept_offer` (the other side’s open ' +
      'offer: split, or refunded when it is everything escrow covers), `escalate` to arbitration at once. ' +
      'Supplier: `accept_claim` (refund of the claim’s `requestedRefund`, at most what escrow covers; a full ' +
      'refund after delivery waits in `return_pending` for the goods unless `returnGoods: false` waives it). ' +
      `Buyer: \`withdraw_claim\` (release). An order takes at most ${MAX_OFFERS} offers (422 past it).`,
    example: { party: 'buyer', action: 'withdraw_claim' },
  }),
  cancel: route({
    path: 'cancel',
    body: CancelEventSchema,
    roles: ['marketplace'],
    summary: 'Cancel the order',
    description:
      'Either party before funding (partial funds are refunded); only the supplier before shipment (full refund).',
    example: { party: 'buyer', reason: 'ordered twice by mistake' },
  }),
  arbitrate: route({
    path: 'arbitration',
    body: ArbitrationDecisionSchema,
    roles: ['arbitrator'],
    summary: "The arbitrator's decision",
    description:
      'Only while the order is in arbitration. `refundAmount` is for a split only. A `refund` of delivered ' +
      'goods waits in `return_pending` for them to come back unless `returnGoods: false`; a second decision ' +
      'after a contested return takes no return.',
    example: { outcome: 'release', arbitrator: 'arb-017', rationale: 'The photos show the bags intact.' },
  }),
  proposeExtension: route({
    path: 'extensions',
    body: ExtensionProposalSchema,
    roles: ['marketplace'],
    created: true,
    summary: 'Propose a later deadline for the step running now',
    description:
      '`shipBy` (awaiting_shipment) and `deliverBy` (in_transit) by the supplier, `inspection` by the buyer, ' +
      `\`negotiation\` by either. \`until\` must be later than the deadline in force and at most ${EXTENSION_CAP_DAYS} ` +
      'days after the deadline first set for that step. One open proposal per deadline, and at most ' +
      `${MAX_EXTENSIONS} proposals per order; the proposal is the last of \`extensions\`, answered with 201.`,
    example: {
      party: 'supplier',
      deadline: 'shipBy',
      until: '2027-03-01T00:00:00Z',
      reason: 'The vessel was rolled over to the next sailing.',
    },
  }),
  answerExtension: route({
    path: 'extensions/:extensionId',
    params: ExtensionParamsSchema,
    body: ExtensionAnswerSchema,
    roles: ['marketplace'],
    summary: 'The other party accepts or rejects a proposed extension',
    description:
      'Accepted, the deadline in force (`deadlines.*`) moves and its timer with it; an accepted `shipBy` ' +
      'extension moves `deliverBy` by as much. Rejected, nothing changes. 404 for an unknown extensionId.',
    example: { party: 'buyer', action: 'accept' },
  }),
  recordReturnShipment: route({
    path: 'returns/shipment',
    body: ReturnShipmentEventSchema,
    roles: ['marketplace'],
    summary: 'The buyer shipped the goods back',
    description:
      'Only in `return_pending`, once. `shippedAt` (default now) must not be in the future, before the ' +
      'delivery of the goods, nor after `return.deadlines.shipBy`. The return is then due at the supplier ' +
      'within the order’s transit window (`return.deadlines.deliverBy`; past it, arbitration). Event ' +
      '`order.return_shipped`.',
    example: { carrier: 'DHL', trackingNumber: 'JD014600006281230001' },
  }),
  recordReturnDelivery: route({
    path: 'returns/delivery',
    body: ReturnDeliveryEventSchema,
    roles: ['marketplace'],
    summary: 'The returned goods reached the supplier',
    description:
      'Only in `return_pending`, after the return’s shipment, once. `deliveredAt` defaults to now. The ' +
      'supplier then has `returns.receiptWindow` to confirm what came (`return.deadlines.receiptBy`; past it, ' +
      'the refund is paid, `return_receipt_lapsed`). Event `order.return_delivered`.',
    example: {},
  }),
  recordReturnReceipt: route({
    path: 'returns/receipt',
    body: ReturnReceiptEventSchema,
    roles: ['marketplace'],
    summary: 'The supplier says what came back',
    description:
      'Only in `return_pending`, after the return’s delivery (409 before). `as_sent` pays the refund ' +
      '(`refunded`, reason `returned`); `damaged`, `missing_items`, `wrong_item` or `empty` sends the order ' +
      'back to arbitration with the supplier’s evidence (up to ' +
      `${MAX_DISPUTE_EVIDENCE} items), whose refund then takes no second return. Event \`order.return_received\`.`,
    example: {
      condition: 'as_sent',
      evidence: [{ uri: 'https://files.example.com/returns/unpacked.jpg' }],
    },
  }),
  reversePayment: route({
    path: 'payments/:reference/reversal',
    params: PaymentParamsSchema,
    body: ReversalSchema,
    roles: ['marketplace'],
    summary: 'The rail took a payment back',
    description:
      'A chargeback, a recalled wire or a returned payment of the payment `reference`: escrow goes down by ' +
      '`amount` (ledger kind `reversal`, back to the buyer), at most the payment’s amount in all (422 above it; ' +
      '404 /problems/payment-not-found for a reference the order never recorded). While the order is open and ' +
      'not settling (409 otherwise, also once closed). Before shipment, a funded sum below the deposit cancels ' +
      'the order (`payment_reversed`) and refunds the rest; from shipment on the order goes on with less in ' +
      'escrow. Without an `Idempotency-Key` every request is a reversal of its own. Event `order.payment_reversed`.',
    example: { amount: 50_000, reason: 'chargeback' },
  }),
} satisfies Record<UpdateName, CommandRoute>;

/** Said of every event route: what any event may be refused for besides its own rules. */
const TIMELINE_CAP =
  `An order whose timeline holds ${MAX_TIMELINE_ENTRIES} entries takes no more events but the arbitrator's ` +
  'decision (422); its deadlines still move it.';

/** An argument recorded under an Update id, as this route would pass its body to the Update today. */
function reparse(e: CommandRoute, ids: Record<string, unknown>, recorded: unknown): unknown {
  if (recorded === null || typeof recorded !== 'object' || Array.isArray(recorded)) return undefined;
  const body = Object.fromEntries(Object.entries(recorded).filter(([name]) => !(name in ids)));
  const parsed = e.body.safeParse(body);
  return parsed.success ? { ...(parsed.data as object), ...ids } : undefined;
}

/**
 * POST /v1/orders/:orderId/<event>. An `Idempotency-Key` becomes the Update id, prefixed with the
 * route so that one key sent to two routes names two requests; sent again with another body it is
 * refused (TemporalOrders.apply).
 */
export const orderEventRoutes: FastifyPluginAsyncZod<{
  orders: TemporalOrders;
  payments: PaymentIntake;
}> = async (app, { orders, payments }) => {
  for (const [name, e] of Object.entries(COMMAND_ROUTES) as [UpdateName, CommandRoute][]) {
    app.post(
      `/orders/:orderId/${e.path}`,
      {
        config: { roles: e.roles },
        schema: {
          tags: ['order events'],
          // The Update's own name: stable for as long as running orders answer to it.
          operationId: name,
          summary: e.summary,
          description: `${e.description} ${TIMELINE_CAP} Answers with the order after the event was applied.`,
          params: e.params ?? OrderParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: e.body,
          response: {
            [e.created ? 201 : 200]: json('The order after the event', OrderSnapshotSchema),
            ...problems(
              400,
              401,
              403,
              [404, 'No such order, extension or payment reference'],
              409,
              413,
              415,
              [
                422,
                'The event contradicts the contract or the order (/problems/invalid-event), or its ' +
                  'Idempotency-Key was used on this route of the order with another body (/problems/idempotency-key-reused); ' +
                  'payments: /problems/payment-method-not-covered, /problems/credit-unavailable',
              ],
              429,
              503,
            ),
          },
        },
      },
      async (request, reply) => {
        const key = request.headers['idempotency-key'];
        const { orderId, ...ids } = request.params as { orderId: string } & Record<string, string>;
        const path = e.path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? '');
        // What the API adds to the body (a draw's signed steps) is left out when a recorded body is compared.
        const added =
          name === 'recordPayment'
            ? await payments.admit(request.body as PaymentEvent, () => orders.snapshot(orderId))
            : {};
        const snapshot = await orders.apply(
          orderId,
          // The body passed its route's schema; the Update's validator checks it again in the workflow.
          UPDATES[name] as UpdateDefinition<OrderSnapshot, [unknown]>,
          { ...(request.body as object), ...ids, ...added },
          key === undefined
            ? undefined
            : {
                updateId: `${path}:${key}`,
                reparse: (recorded) => reparse(e, { ...ids, ...added }, recorded),
              },
        );
        if (e.created) reply.code(201);
        return snapshot;
      },
    );
  }
};
