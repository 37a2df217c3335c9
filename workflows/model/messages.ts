import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  AcceptanceEventSchema,
  ArbitrationDecisionSchema,
  CancelEventSchema,
  ClaimEventSchema,
  DeliveryEventSchema,
  ExtensionAnswerCommandSchema,
  ExtensionProposalSchema,
  RecordPaymentCommandSchema,
  ReturnDeliveryEventSchema,
  ReturnReceiptEventSchema,
  ReturnShipmentEventSchema,
  ReversalCommandSchema,
  SettlementEventSchema,
  ShipmentEventSchema,
  StatementEventSchema,
} from '../schemas/commands.js';
import { InspectionReportSchema } from '../schemas/inspection-report.js';
import { updateRegistry } from './registry.js';
import type { OrderSnapshot } from './state.js';

/**
 * The command registry: every event an order takes is an Update of this name with ONE object
 * argument of this schema (the Web UI sends a single payload). The lifecycle rules
 * (lifecycle.ts), the workflow's handlers, the API's routes and the chaos soak's access matrix are
 * keyed by these names, so a new entry compiles only once each of them has its piece. The Web UI
 * lists Updates in this order: the arbitrator's first.
 */
export const COMMAND_SCHEMAS = {
  arbitrate: ArbitrationDecisionSchema,
  recordPayment: RecordPaymentCommandSchema,
  recordShipment: ShipmentEventSchema,
  recordDelivery: DeliveryEventSchema,
  submitInspection: InspectionReportSchema,
  fileClaim: ClaimEventSchema,
  acceptGoods: AcceptanceEventSchema,
  addStatement: StatementEventSchema,
  settle: SettlementEventSchema,
  cancel: CancelEventSchema,
  proposeExtension: ExtensionProposalSchema,
  answerExtension: ExtensionAnswerCommandSchema,
  recordReturnShipment: ReturnShipmentEventSchema,
  recordReturnDelivery: ReturnDeliveryEventSchema,
  recordReturnReceipt: ReturnReceiptEventSchema,
  reversePayment: ReversalCommandSchema,
} as const;
export type UpdateName = keyof typeof COMMAND_SCHEMAS;
/** The argument an Update's handler gets, once its schema has parsed it. */
export type CommandOf<N extends UpdateName> = z.output<(typeof COMMAND_SCHEMAS)[N]>;
export const { names: UPDATE_NAMES, updates: UPDATES } = updateRegistry<OrderSnapshot>()(COMMAND_SCHEMAS);

export const {
  arbitrate: arbitrateUpdate,
  recordPayment: recordPaymentUpdate,
  recordShipment: recordShipmentUpdate,
  recordDelivery: recordDeliveryUpdate,
  submitInspection: submitInspectionUpdate,
  fileClaim: fileClaimUpdate,
  acceptGoods: acceptGoodsUpdate,
  addStatement: addStatementUpdate,
  settle: settleUpdate,
  cancel: cancelUpdate,
  proposeExtension: proposeExtensionUpdate,
  answerExtension: answerExtensionUpdate,
  recordReturnShipment: recordReturnShipmentUpdate,
  recordReturnDelivery: recordReturnDeliveryUpdate,
  recordReturnReceipt: recordReturnReceiptUpdate,
  reversePayment: reversePaymentUpdate,
} = UPDATES;

/**
 * What an Update of an order started since 'stored-answers' answers when its event was stored before
 * it completed: the event's sequence, and whether the dispute has statements (the event's snapshot
 * leaves them out). Clients see the snapshot: api/stored-answers.ts reads it from `order_events`.
 */
export interface StoredAnswer {
  storedEvent: number;
  statements: boolean;
}
export type OrderAnswer = OrderSnapshot | StoredAnswer;
export const isStoredAnswer = (answer: unknown): answer is StoredAnswer =>
  typeof answer === 'object' && answer !== null && typeof (answer as StoredAnswer).storedEvent === 'number';

export const orderQuery = defineQuery<OrderSnapshot>('order');
/** Makes an order re-read its deadlines, e.g. one that shipped before it had a transit deadline. */
export const reviewDeadlinesSignal = defineSignal('reviewDeadlines');

/** Failure types that validators raise; the API maps them to HTTP status codes. */
export const WRONG_STATE = 'OrderWrongState';
/**
 * WRONG_STATE while the status's deadline has already passed on the workflow clock: its timer is
 * in the same workflow task, where the SDK runs Updates first, so the status is about to move.
 * The same command sent again after that task is judged on the new status.
 */
export const DEADLINE_DUE = 'OrderDeadlineDue';
export const INVALID_EVENT = 'OrderInvalidEvent';
export const UNKNOWN_EXTENSION = 'OrderUnknownExtension';
/** A reversal names a payment reference the order never recorded. */
export const UNKNOWN_PAYMENT = 'OrderUnknownPayment';

/** Every order runs as the workflow `order-<orderId>`: one id per order, forever. */
export const ORDER_WORKFLOW_ID_PREFIX = 'order-';
export const workflowIdFor = (orderId: string) => `${ORDER_WORKFLOW_ID_PREFIX}${orderId}`;
