import { ContractSchema as WorkflowContractSchema } from '../../workflows/schemas/contract.js';
import {
  OrderSnapshotSchema as WorkflowSnapshotSchema,
  StatementSchema as WorkflowStatementSchema,
  OrderStatusSchema as WorkflowStatusSchema,
} from '../../workflows/schemas/snapshot.js';
import { component } from './registry.js';

/**
 * The order snapshot as the API answers it: the workflow's own schema (workflows/schemas/snapshot.ts),
 * its parts named as OpenAPI components. Answers are serialized as the workflow produced them.
 */

export const OrderStatusSchema = component('OrderStatus', WorkflowStatusSchema);

export const ContractSchema = component(
  'Contract',
  WorkflowContractSchema,
  'The contract as the order runs on it: every default resolved at creation',
);

export const StatementSchema = component(
  'Statement',
  WorkflowStatementSchema,
  "A party's statement in a dispute",
);

export const OrderSnapshotSchema = component(
  'OrderSnapshot',
  WorkflowSnapshotSchema,
  'The order: status, money, evaluation, offers, decision, payouts, timeline',
);
