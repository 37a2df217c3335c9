import {
  type Client,
  type WorkflowHandle,
  WorkflowIdReusePolicy,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { lineSummary } from '../workflows/credit-line/case-file/case-file.js';
import { creditLineWorkflowId } from '../workflows/credit-line/model/messages.js';
import type { CreditLineSettings } from '../workflows/credit-line/model/state.js';
import type { CreditApplication } from '../workflows/credit-line/schemas/application.js';
import type { creditLine } from '../workflows/credit-line/workflow.js';
import {
  BuyerIdKey,
  CreditLineStatusKey,
  VerificationOverdueKey,
} from '../workflows/model/search-attributes.js';

/** The workflow type of every credit line: visibility queries select lines by it. */
export const CREDIT_LINE_WORKFLOW_TYPE = 'creditLine';

/**
 * How a line's workflow starts, whoever starts it (the API, the tests): one workflow id per line
 * forever, the search attributes underwriters' lists show before the first workflow task, and the
 * summary an underwriter recognises it by.
 */
export function creditLineStartOptions(
  application: CreditApplication,
  settings: CreditLineSettings,
  taskQueue: string,
): WorkflowStartOptions<typeof creditLine> {
  return {
    workflowId: creditLineWorkflowId(application.lineId),
    taskQueue,
    args: [{ application, settings }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: CreditLineStatusKey, value: 'scoring' },
      { key: BuyerIdKey, value: application.buyer.id },
      { key: VerificationOverdueKey, value: false },
    ],
    staticSummary: lineSummary(application),
  };
}

export function startCreditLineWorkflow(
  client: Client,
  application: CreditApplication,
  settings: CreditLineSettings,
  taskQueue: string,
): Promise<WorkflowHandle<typeof creditLine>> {
  return client.workflow.start<typeof creditLine>(
    CREDIT_LINE_WORKFLOW_TYPE,
    creditLineStartOptions(application, settings, taskQueue),
  );
}
