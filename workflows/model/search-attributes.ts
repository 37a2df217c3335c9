import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The search attributes of docs/spec.md#arbitrators: arbitrators build their saved searches on these. */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const OrderOutcomeKey = defineSearchAttributeKey('OrderOutcome', SearchAttributeType.KEYWORD);
export const BuyerIdKey = defineSearchAttributeKey('BuyerId', SearchAttributeType.KEYWORD);
export const SupplierIdKey = defineSearchAttributeKey('SupplierId', SearchAttributeType.KEYWORD);
export const ShipByKey = defineSearchAttributeKey('ShipBy', SearchAttributeType.DATETIME);
export const ArbitrationDueAtKey = defineSearchAttributeKey('ArbitrationDueAt', SearchAttributeType.DATETIME);
/** In minor units of OrderCurrency: a list shows the two side by side. */
export const EscrowAmountKey = defineSearchAttributeKey('EscrowAmount', SearchAttributeType.INT);
/** The contract's currency, fixed at start. */
export const OrderCurrencyKey = defineSearchAttributeKey('OrderCurrency', SearchAttributeType.KEYWORD);
export const ArbitrationOverdueKey = defineSearchAttributeKey('ArbitrationOverdue', SearchAttributeType.BOOL);

export const ORDER_SEARCH_ATTRIBUTES = [
  OrderStatusKey,
  OrderOutcomeKey,
  BuyerIdKey,
  SupplierIdKey,
  ShipByKey,
  ArbitrationDueAtKey,
  EscrowAmountKey,
  OrderCurrencyKey,
  ArbitrationOverdueKey,
] as const;

/** The credit lines' (docs/credit.md#underwriters): underwriters build their saved searches on these and BuyerId. */
export const CreditLineStatusKey = defineSearchAttributeKey('CreditLineStatus', SearchAttributeType.KEYWORD);
export const VerificationOverdueKey = defineSearchAttributeKey(
  'VerificationOverdue',
  SearchAttributeType.BOOL,
);

export const CREDIT_LINE_SEARCH_ATTRIBUTES = [
  CreditLineStatusKey,
  VerificationOverdueKey,
  BuyerIdKey,
] as const;

/** Every search attribute the engine's workflows set: what startup registers. */
export const ENGINE_SEARCH_ATTRIBUTES = [
  ...ORDER_SEARCH_ATTRIBUTES,
  CreditLineStatusKey,
  VerificationOverdueKey,
] as const;
