import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Role } from '../../config/api-keys.js';
import {
  acceptGoodsUpdate,
  addStatementUpdate,
  answerExtensionUpdate,
  arbitrateUpdate,
  cancelUpdate,
  fileClaimUpdate,
  proposeExtensionUpdate,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  settleUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import type { OrderSnapshot } from '../../workflows/model/state.js';
import {
  AcceptanceEventSchema,
  ArbitrationDecisionSchema,
  CancelEventSchema,
  ClaimEventSchema,
  DeliveryEventSchema,
  ExtensionAnswerSchema,
  ExtensionProposalSchema,
  PaymentEventSchema,
  SettlementEventSchema,
  ShipmentEventSchema,
  StatementEventSchema,
} from '../../workflows/schemas/commands.js';
import { InspectionReportSchema } from '../../workflows/schemas/inspection-report.js';
import { OrderSnapshotSchema } from '../schemas/order-snapshot.js';
import { ExtensionParamsSchema, IdempotencyHeadersSchema, OrderParamsSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';

interface OrderEvent<S extends z.ZodType> {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: the Update's argument may add route params to the body
  update: UpdateDefinition<OrderSnapshot, [any]>;
  /** 201 for a route that creates something the snapshot lists (an extension proposal). */
  created?: true;
  body: S;
  roles: readonly Role[];
  summary: string;
  description: string;
}

const event = <S extends z.ZodType>(e: OrderEvent<S>) => e;

/**
 * The marketplace's (and the arbitrator's) events: each one a Workflow Update of the order
 * (docs/spec.md#lifecycle).
 */
const EVENTS = [
  event({
    path: 'payments',
    update: recordPaymentUpdate,
    body: PaymentEventSchema,
    roles: ['marketplace'],
    summary: 'Record a payment into escrow',
    description:
      'Funds the order once the payments reach the deposit; later payments (the balance) are credited too. ' +
      'A repeated `reference` with the same amount is a no-op.',
  }),
  event({
    path: 'shipment',
    update: recordShipmentUpdate,
    body: ShipmentEventSchema,
    roles: ['marketplace'],
    summary: 'The supplier shipped',
    description: '`shippedAt` (default now) must not be in the future nor after the contract’s `shipBy`.',
  }),
  event({
    path: 'delivery',
    update: recordDeliveryUpdate,
    body: DeliveryEventSchema,
    roles: ['marketplace'],
    summary: 'The goods were delivered: the inspection window starts',
    description:
      '`deliveredAt` defaults to now. Send `{}` for "delivered now". During a non-delivery dispute in ' +
      'negotiation it supersedes the `not_delivered` claim and the inspection window runs from the later of ' +
      '`deliveredAt` and now; in arbitration it is recorded for the arbitrator (`dispute.lateDelivery`).',
  }),
  event({
    path: 'inspection',
    update: submitInspectionUpdate,
    body: InspectionReportSchema,
    roles: ['marketplace'],
    summary: "The buyer's inspection report",
    description:
      'A report that conforms to the contract and measures every quality term releases the escrow to the ' +
      'supplier; one that conforms but leaves terms unmeasured is recorded and the inspection goes on; one ' +
      'that contradicts the contract opens a dispute with an automatic claim for what escrow covers ' +
      '(negotiation, or arbitration at once when the negotiation window is PT0S).',
  }),
  event({
    path: 'claims',
    update: fileClaimUpdate,
    body: ClaimEventSchema,
    roles: ['marketplace'],
    summary: "The buyer's claim: opens the dispute",
    description:
      'During inspection, before its window ends, with no open claim. `requestedRefund` is at most what ' +
      'escrow covers (`min(funded, amount)`) and stays fixed. Opens the negotiation (arbitration at once ' +
      'when the negotiation window is PT0S). Event `order.claim_filed`.',
  }),
  event({
    path: 'acceptance',
    update: acceptGoodsUpdate,
    body: AcceptanceEventSchema,
    roles: ['marketplace'],
    summary: 'The buyer accepts the goods',
    description: 'During inspection: releases the escrow to the supplier (`buyer_accepted`). Body `{}`.',
  }),
  event({
    path: 'statements',
    update: addStatementUpdate,
    body: StatementEventSchema,
    roles: ['marketplace'],
    summary: "A party's statement in the dispute",
    description:
      'In negotiation and arbitration until the case is decided: text (1–4000 characters) and up to 20 ' +
      'evidence items, stored with its party and time. An order holds at most 100 statements, 64 KiB of ' +
      'statement text and 200 evidence items (claims and statements); past a cap the answer is 422. ' +
      'Event `order.statement_added`.',
  }),
  event({
    path: 'settlement',
    update: settleUpdate,
    body: SettlementEventSchema,
    roles: ['marketplace'],
    summary: 'A move in the negotiation of a dispute',
    description:
      'Either party: `offer` a refund (supersedes any open offer), `accept_offer` (the other side’s open ' +
      'offer: split, or refunded when it is everything escrow covers), `escalate` to arbitration at once. ' +
      'Supplier: `accept_claim` (refund of the claim’s `requestedRefund`, at most what escrow covers). ' +
      'Buyer: `withdraw_claim` (release).',
  }),
  event({
    path: 'cancel',
    update: cancelUpdate,
    body: CancelEventSchema,
    roles: ['marketplace'],
    summary: 'Cancel the order',
    description:
      'Either party before funding (partial funds are refunded); only the supplier before shipment (full refund).',
  }),
  event({
    path: 'arbitration',
    update: arbitrateUpdate,
    body: ArbitrationDecisionSchema,
    roles: ['arbitrator'],
    summary: "The arbitrator's decision",
    description: 'Only while the order is in arbitration. `refundAmount` is for a split only.',
  }),
  event({
    path: 'extensions',
    update: proposeExtensionUpdate,
    body: ExtensionProposalSchema,
    roles: ['marketplace'],
    created: true,
    summary: 'Propose a later deadline for the step running now',
    description:
      '`shipBy` (awaiting_shipment) and `deliverBy` (in_transit) by the supplier, `inspection` by the buyer, ' +
      '`negotiation` by either. `until` must be later than the deadline in force and at most 90 days after ' +
      'the deadline first set for that step. One open proposal per deadline; the proposal is the last of ' +
      '`extensions`, answered with 201.',
  }),
  event({
    path: 'extensions/:extensionId',
    update: answerExtensionUpdate,
    body: ExtensionAnswerSchema,
    roles: ['marketplace'],
    summary: 'The other party accepts or rejects a proposed extension',
    description:
      'Accepted, the deadline in force (`deadlines.*`) moves and its timer with it; an accepted `shipBy` ' +
      'extension moves `deliverBy` by as much. Rejected, nothing changes. 404 for an unknown extensionId.',
  }),
];

/**
 * POST /v1/orders/:orderId/<event>. An `Idempotency-Key` becomes the Update id, prefixed with the
 * route so that one key sent to two routes names two requests.
 */
export const orderEventRoutes: FastifyPluginAsyncZod<{ orders: TemporalOrders }> = async (
  app,
  { orders },
) => {
  for (const e of EVENTS as OrderEvent<z.ZodType>[]) {
    app.post(
      `/orders/:orderId/${e.path}`,
      {
        config: { roles: e.roles },
        schema: {
          tags: ['order events'],
          // The Update's own name: stable for as long as running orders answer to it.
          operationId: e.update.name,
          summary: e.summary,
          description: `${e.description} Answers with the order after the event was applied.`,
          params: e.path.includes(':extensionId') ? ExtensionParamsSchema : OrderParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: e.body,
          response: {
            [e.created ? 201 : 200]: json('The order after the event', OrderSnapshotSchema),
            ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const key = request.headers['idempotency-key'];
        const { orderId, ...ids } = request.params as { orderId: string; extensionId?: string };
        const path = ids.extensionId ? `extensions/${ids.extensionId}` : e.path;
        const snapshot = await orders.apply(
          orderId,
          e.update,
          { ...(request.body as object), ...ids },
          key === undefined ? undefined : `${path}:${key}`,
        );
        if (e.created) reply.code(201);
        return snapshot;
      },
    );
  }
};
