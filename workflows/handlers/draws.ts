import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import { CREDIT_UNAVAILABLE } from '../credit-line/model/messages.js';
import type { LineDrawStep, OrderActivities } from '../model/activities.js';
import type { RecordPaymentCommand } from '../schemas/commands.js';
import { type Order, refuse } from './order.js';
import { creditEscrow } from './settlement.js';

/**
 * The line's Updates wait for the line's workflow task: seconds on a busy cluster, and a worker
 * that died mid-step is noticed within the timeout. Retried until the line answers, as the
 * ledger's movements are: a step once begun always ends.
 */
const line = proxyActivities<OrderActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A payment by credit line (docs/credit.md#draws-into-escrow), driven by the order's workflow so
 * that it goes on whatever process dies: the line reserves, the ledger moves lender → escrow under
 * the payment's own key, the line confirms; a funding the ledger refuses releases the reservation.
 * Each step is the same Update or ledger transaction when repeated, so a retry after a crash finds
 * the first one's result.
 */
export async function fundByDraw(order: Order, payment: RecordPaymentCommand) {
  const { contract } = order;
  const steps = payment.lineSteps;
  if (payment.creditLineId === undefined || steps === undefined) {
    order.invalid('a credit_line payment names its creditLineId and comes through the API');
  }
  const step = (signature: LineDrawStep['signature']): LineDrawStep => ({
    lineId: payment.creditLineId as string,
    buyerId: contract.buyer.id,
    currency: contract.currency,
    draw: { orderId: contract.orderId, reference: payment.reference, amount: payment.amount },
    signature,
  });
  const reservation = await line.reserveLineDraw(step(steps.reserve));
  if (!reservation.reserved) {
    refuse(CREDIT_UNAVAILABLE, reservation.message, {
      available: reservation.available,
      lineStatus: reservation.lineStatus,
    });
  }
  let tx: Awaited<ReturnType<typeof creditEscrow>>;
  try {
    tx = await creditEscrow(order, payment);
  } catch (err) {
    // Only a refusal of the ledger ends the activity (its retries are unlimited): nothing moved.
    await line.releaseLineDraw(step(steps.release));
    const cause = err instanceof ActivityFailure ? err.cause : err;
    order.invalid(`the ledger refused the draw: ${(cause as Error).message}`);
  }
  await line.confirmLineDraw(step(steps.confirm));
  return tx;
}
