import type { Client } from '@temporalio/client';
import type { BenchShapeInput, benchShape, benchTimer } from './workflows.js';

/*
 * The ceilings are started by name: their code runs in the worker's bundle (workflows.ts), beside
 * the order's, and only their types are imported here.
 */

export function startShape(client: Client, taskQueue: string, workflowId: string, input: BenchShapeInput) {
  return client.workflow.start<typeof benchShape>('benchShape', { workflowId, taskQueue, args: [input] });
}

/** A bare workflow whose timer fires at `fireAt` (epoch milliseconds). */
export function startTimer(client: Client, taskQueue: string, workflowId: string, fireAt: number) {
  return client.workflow.start<typeof benchTimer>('benchTimer', {
    workflowId,
    taskQueue,
    args: [{ fireAt }],
  });
}
