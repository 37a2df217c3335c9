import type { Client, WorkflowClientInterceptor, WorkflowStartUpdateOutput } from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { storedSnapshot } from '../../api/stored-answers.js';
import { decodeFirstPayload } from '../../api/temporal-payloads.js';
import type { OrderEventStore } from '../../db/order-event-store.js';
import { isStoredAnswer, ORDER_WORKFLOW_ID_PREFIX, orderQuery } from '../../workflows/model/messages.js';

const COMPLETED =
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
    .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;

/**
 * The tests drive orders through Updates and read their answers as snapshots, as the API answers
 * them (TemporalOrders.apply): this turns an order's stored answer into its snapshot on the way
 * back, with the API's own read. The outcome is decoded here only, so the interceptor waits for it
 * itself: a `startUpdate` through this client returns once the Update has completed.
 */
export function storedAnswersInterceptor(
  events: Pick<OrderEventStore, 'snapshotAt'>,
  client: () => Client,
): WorkflowClientInterceptor {
  const outcomeOf = async (workflowId: string, output: WorkflowStartUpdateOutput) => {
    const { workflowService, options } = client();
    for (;;) {
      const response = await workflowService.pollWorkflowExecutionUpdate({
        namespace: options.namespace,
        updateRef: {
          workflowExecution: { workflowId, runId: output.workflowRunId },
          updateId: output.updateId,
        },
        identity: options.identity,
        waitPolicy: { lifecycleStage: COMPLETED },
      });
      if (response.outcome) return response.outcome;
    }
  };

  return {
    async startUpdate(input, next) {
      const output = await next(input);
      const { workflowId } = input.workflowExecution;
      if (!workflowId.startsWith(ORDER_WORKFLOW_ID_PREFIX)) return output;
      const outcome = output.outcome ?? (await outcomeOf(workflowId, output));
      const converter = client().options.loadedDataConverter;
      const payloads = outcome.success?.payloads;
      const answer = payloads ? await decodeFirstPayload<unknown>(converter, payloads) : undefined;
      if (!isStoredAnswer(answer)) return { ...output, outcome };
      const orderId = workflowId.slice(ORDER_WORKFLOW_ID_PREFIX.length);
      const snapshot =
        (await storedSnapshot(events, orderId, answer, 5_000)) ??
        (await client().workflow.getHandle(workflowId).query(orderQuery));
      return { ...output, outcome: { success: { payloads: [await encodePayload(converter, snapshot)] } } };
    },
  };
}

async function encodePayload(converter: LoadedDataConverter, value: unknown): Promise<Payload> {
  let encoded = [converter.payloadConverter.toPayload(value)];
  for (const codec of converter.payloadCodecs) encoded = await codec.encode(encoded);
  return encoded[0] as Payload;
}
