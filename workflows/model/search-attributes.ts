import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The search attributes of docs/spec.md#arbitrators: arbitrators build their saved searches on these. */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const OrderOutcomeKey = defineSearchAttributeKey('OrderOutcome', SearchAttributeType.KEYWORD);
export const BuyerIdKey = defineSearchAttributeKey('BuyerId', SearchAttributeType.KEYWORD);
export const SupplierIdKey = defineSearchAttributeKey('SupplierId', SearchAttributeType.KEYWORD);
export const ShipByKey = defineSearchAttributeKey('ShipBy', SearchAttributeType.DATETIME);
export const ArbitrationDueAtKey = defineSearchAttributeKey('ArbitrationDueAt', SearchAttributeType.DATETIME);
export const EscrowAmountKey = defineSearchAttributeKey('EscrowAmount', SearchAttributeType.INT);
export const ArbitrationOverdueKey = defineSearchAttributeKey('ArbitrationOverdue', SearchAttributeType.BOOL);

export const ORDER_SEARCH_ATTRIBUTES = [
  OrderStatusKey,
  OrderOutcomeKey,
  BuyerIdKey,
  SupplierIdKey,
  ShipByKey,
  ArbitrationDueAtKey,
  EscrowAmountKey,
  ArbitrationOverdueKey,
] as const;
