import type { WorkflowHandle } from '@temporalio/client';
import {
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import type { OrderSnapshot } from '../../workflows/model/state.js';
import type { order } from '../../workflows/order-workflow.js';
import type { ContractInput } from '../../workflows/schemas/contract.js';
import { type Harness, startOrder, testContract } from './harness.js';

/** Drives an order to a given status through the same Updates the API uses. */
export type OrderHandle = WorkflowHandle<typeof order>;

export async function fundedOrder(h: Harness, overrides: Partial<ContractInput> = {}) {
  const input = testContract(overrides);
  const handle = await startOrder(h.client, h.taskQueue, input);
  const snapshot = await handle.executeUpdate(recordPaymentUpdate, {
    args: [{ amount: input.deposit ?? input.amount, reference: 'wire-1' }],
  });
  return { input, handle, snapshot };
}

export async function shippedOrder(h: Harness, overrides: Partial<ContractInput> = {}) {
  const funded = await fundedOrder(h, overrides);
  const snapshot = await funded.handle.executeUpdate(recordShipmentUpdate, {
    args: [{ carrier: 'Maersk', trackingNumber: 'MSKU1234565' }],
  });
  return { ...funded, snapshot };
}

export async function deliveredOrder(h: Harness, overrides: Partial<ContractInput> = {}) {
  const shipped = await shippedOrder(h, overrides);
  const snapshot = await shipped.handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
  return { ...shipped, snapshot };
}

/** The default test contract says moisture ≤ 12 % and grade A or B; this report breaks moisture. */
export const contradictingReport = {
  measurements: { moisture: 14.5, grade: 'A' },
  receivedQuantity: 1000,
  evidence: [{ uri: 'https://inspect.example/reports/1.pdf', description: 'lab report' }],
  inspector: 'SGS',
};

export const conformingReport = {
  measurements: { moisture: 11.9, grade: 'b' },
  receivedQuantity: 990,
  evidence: [],
};

export async function disputedOrder(h: Harness, overrides: Partial<ContractInput> = {}) {
  const delivered = await deliveredOrder(h, overrides);
  const snapshot: OrderSnapshot = await delivered.handle.executeUpdate(submitInspectionUpdate, {
    args: [contradictingReport],
  });
  return { ...delivered, snapshot };
}
