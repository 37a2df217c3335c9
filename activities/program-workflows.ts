import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { ledgerStatement } from '../workflows/ledger-statement.js';
import { STATEMENT_WORKFLOW_TYPE, type StatementInput } from '../workflows/model/ledger.js';
import {
  ASSESSMENT_WORKFLOW_TYPE,
  type AssessmentInput,
  SUPPLIER_EVENTS_WORKFLOW_TYPE,
  supplierEventsRecordedSignal,
  supplierEventsWorkflowId,
} from '../workflows/model/program.js';
import type { supplierAssessment } from '../workflows/supplier-assessment.js';

/**
 * Where the supplier program's workflows and the ledger's statement are started (their Schedules
 * start the daily runs).
 */

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

/** An assessment of every enrolled supplier outside the Schedule's times (the benchmark, the tests). */
export function startSupplierAssessment(
  client: Client,
  taskQueue: string,
  workflowId: string,
  input: AssessmentInput = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof supplierAssessment>> {
  return client.workflow.start<typeof supplierAssessment>(ASSESSMENT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
  });
}

/** A ledger statement run outside the Schedule's times (the tests). */
export function startLedgerStatement(
  client: Client,
  taskQueue: string,
  workflowId: string,
  input: StatementInput = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof ledgerStatement>> {
  return client.workflow.start<typeof ledgerStatement>(STATEMENT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
  });
}
