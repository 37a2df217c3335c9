import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import { CREDIT_UNAVAILABLE } from '../credit-line/model/messages.js';
import type { LineDrawStep, Movement, MovementResult, OrderActivities } from '../model/activities.js';
import type { RecordPaymentCommand } from '../schemas/commands.js';
import { type Order, refuse } from './order.js';

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
export async function fundByDraw(
  order: Order,
  payment: RecordPaymentCommand,
  fund: () => Promise<MovementResult>,
): Promise<MovementResult> {
  const { contract } = order;
  const steps = payment.lineSteps;
  // The validator refused a draw without them (Fulfilment.validatePayment).
  if (payment.creditLineId === undefined || steps === undefined) {
    order.invalid('a credit_line payment names its creditLineId and carries its line steps');
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
  let tx: MovementResult;
  try {
    tx = await fund();
  } catch (err) {
    // Only a refusal of the ledger ends the activity (its retries are unlimited): nothing moved.
    await line.releaseLineDraw(step(steps.release));
    const cause = err instanceof ActivityFailure ? err.cause : err;
    order.invalid(`the ledger refused the draw: ${(cause as Error).message}`);
  }
  await line.confirmLineDraw(step(steps.confirm));
  return tx;
}

/**
 * A refund of a financed order goes first to its lines (docs/credit.md#refunds): for each draw, in
 * the order it was paid, what the draw still owes, at most what is left of the refund, moves
 * escrow → `lender:<lineId>` under `<orderId>:refund:line:<reference>`, and the line is told to
 * read it from the ledger. Answers what is left for the buyer. Orders without a draw ask nothing.
 */
export async function refundToLines(
  order: Order,
  refund: number,
  move: (m: Movement) => Promise<MovementResult>,
): Promise<number> {
  const { contract, state } = order;
  const draws = state.payments.filter((p) => p.method === 'credit_line' && p.creditLineId !== undefined);
  if (refund <= 0 || draws.length === 0 || !order.versions.financedPayments()) return refund;
  let rest = refund;
  for (const p of draws) {
    if (rest === 0) break;
    const draw = { lineId: p.creditLineId as string, orderId: contract.orderId, reference: p.reference };
    const { outstanding } = await line.lineDrawOutstanding(draw);
    const amount = Math.min(rest, outstanding, p.amount);
    if (amount <= 0) continue;
    const idempotencyKey = `${contract.orderId}:refund:line:${p.reference}`;
    order.payoutsInFlight++;
    const tx = await move({
      idempotencyKey,
      orderId: contract.orderId,
      buyerId: contract.buyer.id,
      supplierId: contract.supplier.id,
      currency: contract.currency,
      amount,
      memo: `refund of draw ${p.reference} to credit line ${draw.lineId}`,
      lenderLineId: draw.lineId,
    });
    order.payoutsInFlight--;
    state.payouts.push({
      kind: 'line_refund',
      amount,
      idempotencyKey,
      transactionId: tx.transactionId,
      at: order.now(),
    });
    state.escrowBalance -= amount;
    order.note('line_refund', `${amount} ${contract.currency} to credit line ${draw.lineId}`);
    order.emit('order.payout');
    await line.notifyLineRefund(draw);
    rest -= amount;
  }
  return rest;
}
