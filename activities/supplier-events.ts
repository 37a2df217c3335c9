import type { Client } from '@temporalio/client';
import {
  SUPPLIER_EVENTS_WORKFLOW_TYPE,
  supplierEventsRecordedSignal,
  supplierEventsWorkflowId,
} from '../workflows/model/program.js';

/**
 * Wakes the one workflow that delivers supplier events to the webhooks (workflows/supplier-events.ts),
 * starting it when it is not running: whoever stores supplier events calls this after commit.
 */
export async function wakeSupplierEventDelivery(client: Client, taskQueue: string): Promise<void> {
  await client.workflow.signalWithStart(SUPPLIER_EVENTS_WORKFLOW_TYPE, {
    workflowId: supplierEventsWorkflowId(taskQueue),
    taskQueue,
    signal: supplierEventsRecordedSignal,
    signalArgs: [],
  });
}
