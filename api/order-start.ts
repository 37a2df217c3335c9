import {
  type Client,
  type WorkflowHandle,
  WorkflowIdReusePolicy,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { orderSummary } from '../workflows/case-file/summary.js';
import { workflowIdFor } from '../workflows/model/messages.js';
import type { SupplierProgramSnapshot } from '../workflows/model/program.js';
import {
  BuyerIdKey,
  EscrowAmountKey,
  OrderCurrencyKey,
  OrderStatusKey,
  ShipByKey,
  SupplierIdKey,
} from '../workflows/model/search-attributes.js';
import type { order } from '../workflows/order-workflow.js';
import type { Contract, ParsedContractInput } from '../workflows/schemas/contract.js';
import { createFingerprint } from './fingerprint.js';

/** The workflow type of every order: visibility queries select orders by it. */
export const ORDER_WORKFLOW_TYPE = 'order';

/**
 * Starts the workflow of a validated, normalised contract, as the API does and the tests do; the
 * API adds what the supplier program knows of the supplier at that moment.
 */
export function startOrderWorkflow(
  client: Client,
  input: ParsedContractInput,
  contract: Contract,
  taskQueue: string,
  supplierProgram?: SupplierProgramSnapshot,
): Promise<WorkflowHandle<typeof order>> {
  return client.workflow.start<typeof order>(
    ORDER_WORKFLOW_TYPE,
    orderStartOptions(input, contract, taskQueue, supplierProgram),
  );
}

/**
 * How an order's workflow starts, whoever starts it (the API, the tests): one workflow id per
 * order, the fingerprint of the request that created it, the search attributes lists and the Web
 * UI show before the first workflow task, and the summary an arbitrator recognises it by.
 */
export function orderStartOptions(
  input: ParsedContractInput,
  contract: Contract,
  taskQueue: string,
  supplierProgram?: SupplierProgramSnapshot,
): WorkflowStartOptions<typeof order> {
  return {
    workflowId: workflowIdFor(contract.orderId),
    taskQueue,
    args: [
      { contract, requestFingerprint: createFingerprint(input), ...(supplierProgram && { supplierProgram }) },
    ],
    // An order id names one order forever, even after its workflow closed.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: OrderStatusKey, value: 'awaiting_funding' },
      { key: BuyerIdKey, value: contract.buyer.id },
      { key: SupplierIdKey, value: contract.supplier.id },
      { key: ShipByKey, value: new Date(contract.shipBy) },
      { key: EscrowAmountKey, value: 0 },
      { key: OrderCurrencyKey, value: contract.currency },
    ],
    ...orderSummary(contract),
  };
}
