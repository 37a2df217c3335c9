import { Context } from '@temporalio/activity';
import {
  type Client,
  WorkflowClient,
  type WorkflowClientInterceptor,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import {
  CREDIT_UNAVAILABLE,
  creditLineQuery,
  creditLineWorkflowId,
  drawIdOf,
  drawRefundedSignal,
  LINE_UPDATES,
  type LineStepCall,
  lineStepCalls,
} from '../workflows/credit-line/model/messages.js';
import type { CreditLineSnapshot } from '../workflows/credit-line/model/state.js';
import type { LineDrawStep, LineReservation, OrderActivities } from '../workflows/model/activities.js';
import { SIGNATURE_HEADER } from '../workflows/rules/event-signature.js';

/** Sends one Update under the header the API signed it with: the worker holds no signing key. */
async function sendSigned(client: Client, call: LineStepCall<unknown>, step: LineDrawStep) {
  const signature: WorkflowClientInterceptor = {
    startUpdate: (input, next) =>
      next({
        ...input,
        headers: { ...input.headers, [SIGNATURE_HEADER]: defaultPayloadConverter.toPayload(step.signature) },
      }),
  };
  const workflows = new WorkflowClient({
    connection: client.connection,
    namespace: client.options.namespace,
    interceptors: [signature],
  });
  await workflows
    .getHandle(call.workflowId)
    .executeUpdate(LINE_UPDATES[call.updateName], { args: [call.arg as never], updateId: call.updateId });
}

/** A refusal of the line's validator that no retry changes. */
function refused(err: unknown): ApplicationFailure | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause;
  return undefined;
}

/**
 * The order's side of a draw on a credit line (docs/credit.md#draws-into-escrow): the line's Updates,
 * each sent under the draw's business key as its Update id, and idempotent in the line's handler.
 */
export function createDrawActivities(): Pick<
  OrderActivities,
  'reserveLineDraw' | 'confirmLineDraw' | 'releaseLineDraw' | 'lineDrawOutstanding' | 'notifyLineRefund'
> {
  return {
    async lineDrawOutstanding({ lineId, orderId, reference }) {
      const handle = Context.current().client.workflow.getHandle(creditLineWorkflowId(lineId));
      const line = await handle.query(creditLineQuery);
      const draw = line.draws.find((d) => d.drawId === drawIdOf({ orderId, reference }));
      // A draw no longer listed was repaid and closed in an earlier statement.
      return { outstanding: draw?.status === 'outstanding' ? draw.amount - draw.repaid : 0 };
    },
    async notifyLineRefund({ lineId, orderId, reference }) {
      const handle = Context.current().client.workflow.getHandle(creditLineWorkflowId(lineId));
      await handle.signal(drawRefundedSignal, { orderId, reference });
    },
    async reserveLineDraw(step): Promise<LineReservation> {
      const { client } = Context.current();
      const calls = lineStepCalls(step.lineId, step.draw);
      let line: CreditLineSnapshot;
      try {
        line = await client.workflow.getHandle(calls.reserve.workflowId).query(creditLineQuery);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        return {
          reserved: false,
          message: `there is no credit line ${step.lineId}`,
          available: 0,
          lineStatus: 'none',
        };
      }
      // A line's buyer and currency never change: checked here, the line checks status and amount.
      const mismatch =
        line.buyer.id !== step.buyerId
          ? `credit line ${step.lineId} is buyer ${line.buyer.id}'s, not this order's buyer ${step.buyerId}`
          : line.currency !== step.currency
            ? `credit line ${step.lineId} lends in ${line.currency}, the order is in ${step.currency}`
            : undefined;
      if (mismatch)
        return { reserved: false, message: mismatch, available: line.available, lineStatus: line.status };
      try {
        await sendSigned(client, calls.reserve, step);
        return { reserved: true };
      } catch (err) {
        const failure = refused(err);
        if (failure?.type === CREDIT_UNAVAILABLE) {
          const [detail] = (failure.details ?? []) as { available: number; lineStatus: string }[];
          return {
            reserved: false,
            message: failure.message,
            available: detail?.available ?? 0,
            lineStatus: detail?.lineStatus ?? line.status,
          };
        }
        if (failure) throw ApplicationFailure.nonRetryable(failure.message, failure.type ?? undefined);
        throw err;
      }
    },
    async confirmLineDraw(step) {
      await stepOnce(step, 'confirm');
    },
    async releaseLineDraw(step) {
      await stepOnce(step, 'release');
    },
  };
}

async function stepOnce(step: LineDrawStep, name: 'confirm' | 'release') {
  try {
    await sendSigned(Context.current().client, lineStepCalls(step.lineId, step.draw)[name], step);
  } catch (err) {
    // The line refusing its own draw's step is a bug to see, not a failure to retry for ever.
    const failure = refused(err);
    if (failure) throw ApplicationFailure.nonRetryable(failure.message, failure.type ?? undefined);
    throw err;
  }
}
