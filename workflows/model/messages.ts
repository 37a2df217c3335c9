import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AcceptanceEvent,
  ArbitrationDecision,
  CancelEvent,
  ClaimEvent,
  DeliveryEvent,
  ExtensionAnswer,
  ExtensionProposal,
  PaymentEvent,
  SettlementEvent,
  ShipmentEvent,
  StatementEvent,
} from '../schemas/commands.js';
import type { InspectionReport } from '../schemas/inspection-report.js';
import type { OrderSnapshot } from './state.js';

/** Every event is an Update with ONE object argument (the Web UI sends a single payload). */
export const recordPaymentUpdate = defineUpdate<OrderSnapshot, [PaymentEvent]>('recordPayment');
export const recordShipmentUpdate = defineUpdate<OrderSnapshot, [ShipmentEvent]>('recordShipment');
export const recordDeliveryUpdate = defineUpdate<OrderSnapshot, [DeliveryEvent]>('recordDelivery');
export const submitInspectionUpdate = defineUpdate<OrderSnapshot, [InspectionReport]>('submitInspection');
export const settleUpdate = defineUpdate<OrderSnapshot, [SettlementEvent]>('settle');
export const cancelUpdate = defineUpdate<OrderSnapshot, [CancelEvent]>('cancel');
export const arbitrateUpdate = defineUpdate<OrderSnapshot, [ArbitrationDecision]>('arbitrate');
export const fileClaimUpdate = defineUpdate<OrderSnapshot, [ClaimEvent]>('fileClaim');
export const acceptGoodsUpdate = defineUpdate<OrderSnapshot, [AcceptanceEvent]>('acceptGoods');
export const addStatementUpdate = defineUpdate<OrderSnapshot, [StatementEvent]>('addStatement');
export const proposeExtensionUpdate = defineUpdate<OrderSnapshot, [ExtensionProposal]>('proposeExtension');
export const answerExtensionUpdate = defineUpdate<OrderSnapshot, [ExtensionAnswer]>('answerExtension');
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

/** Every order runs as the workflow `order-<orderId>`: one id per order, forever. */
export const ORDER_WORKFLOW_ID_PREFIX = 'order-';
export const workflowIdFor = (orderId: string) => `${ORDER_WORKFLOW_ID_PREFIX}${orderId}`;
