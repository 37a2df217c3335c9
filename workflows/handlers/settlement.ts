import { proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../model/activities.js';
import type { Payout } from '../model/state.js';
import { commissionFee, formatAmount, settlementPlan } from '../rules/money.js';
import type { PaymentEvent, Reversal } from '../schemas/commands.js';
import { refundToLines } from './draws.js';
import type { Decision, Order } from './order.js';

/** Every money movement of an order: payments into escrow, and the payouts that close it. */

const ledger = proxyActivities<OrderActivities>({
  // A ledger movement takes milliseconds; a worker that died mid-movement is noticed soon.
  startToCloseTimeout: '10 seconds',
  // A ledger outage must not lose a payout: keep retrying until it comes back.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export function creditEscrow(order: Order, payment: PaymentEvent) {
  const { contract } = order;
  return ledger.creditEscrow({
    idempotencyKey: `${contract.orderId}:payment:${payment.reference}`,
    orderId: contract.orderId,
    buyerId: contract.buyer.id,
    supplierId: contract.supplier.id,
    currency: contract.currency,
    amount: payment.amount,
    reference: payment.reference,
    memo: `payment ${payment.reference} from buyer ${contract.buyer.id}`,
    method: payment.method,
    ...(payment.method === 'credit_line' && { lenderLineId: payment.creditLineId }),
  });
}

/**
 * Takes a reversed payment out of escrow, back to the buyer. `n` counts the reversals of the
 * payment: one key per reversal, so that a retry or a Reset finds it and a second one is its own.
 */
export function reverseFunding(order: Order, r: Reversal, n: number) {
  const { contract } = order;
  return ledger.reverseFunding({
    idempotencyKey: `${contract.orderId}:reversal:${r.reference}:${n}`,
    orderId: contract.orderId,
    buyerId: contract.buyer.id,
    supplierId: contract.supplier.id,
    currency: contract.currency,
    amount: r.amount,
    reference: r.reference,
    memo: `${r.reason} of payment ${r.reference} from buyer ${contract.buyer.id}`,
  });
}

/** Pays out what escrow holds as decided: the refund, then the release, then any excess refund. */
export async function payOut(order: Order, d: Decision): Promise<void> {
  const { contract, state } = order;
  const plan = settlementPlan(d.outcome, state.funded, contract.amount, d.refundAmount);
  const movement = (kind: Payout['kind'], amount: number, fee: number) => ({
    // Keys derive from the order and the step only: a Reset or a retry must find the first result.
    idempotencyKey: `${contract.orderId}:${kind === 'excess_refund' ? 'excess-refund' : kind}`,
    orderId: contract.orderId,
    buyerId: contract.buyer.id,
    supplierId: contract.supplier.id,
    currency: contract.currency,
    amount,
    memo:
      kind === 'excess_refund'
        ? `funded beyond the order amount (${d.reason})`
        : `${d.reason}: ${d.memo}${kind === 'release' && state.outstanding > 0 ? `; ${formatAmount(state.outstanding, contract.currency)} of the order amount outstanding, never paid` : ''}${fee > 0 ? `; commission ${formatAmount(fee, contract.currency)} to fees:${contract.currency}` : ''}`,
    // Orders without `fees` send the movement they always sent.
    ...(fee > 0 && { fee }),
  });
  const pay = async (kind: Payout['kind'], amount: number) => {
    if (amount <= 0) return;
    // docs/spec.md#commission: on what is released only, in the release's own transaction and key.
    const fee = kind === 'release' ? commissionFee(amount, contract.fees) : 0;
    const m = movement(kind, amount, fee);
    // Counted without wrapping the activity's promise: an extra await would reorder the commands.
    order.payoutsInFlight++;
    const tx = kind === 'release' ? await ledger.releaseToSupplier(m) : await ledger.refundBuyer(m);
    order.payoutsInFlight--;
    state.payouts.push({
      kind,
      amount,
      ...(fee > 0 && { fee }),
      idempotencyKey: m.idempotencyKey,
      transactionId: tx.transactionId,
      at: order.now(),
    });
    state.escrowBalance -= amount;
    order.note(kind, `${amount} ${contract.currency}${fee > 0 ? ` (commission ${fee})` : ''}`);
    order.emit('order.payout');
  };
  await pay('refund', await refundToLines(order, plan.refund, ledger.refundBuyer));
  await pay('release', plan.release);
  await pay('excess_refund', plan.excessRefund);
}
