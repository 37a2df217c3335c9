import { proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../model/activities.js';
import type { Payout } from '../model/state.js';
import { formatAmount, settlementPlan } from '../rules/money.js';
import type { PaymentEvent } from '../schemas/commands.js';
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

/** Pays out what escrow holds as decided: the refund, then the release, then any excess refund. */
export async function payOut(order: Order, d: Decision): Promise<void> {
  const { contract, state } = order;
  const plan = settlementPlan(d.outcome, state.funded, contract.amount, d.refundAmount);
  const movement = (kind: Payout['kind'], amount: number) => ({
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
        : `${d.reason}: ${d.memo}${kind === 'release' && state.outstanding > 0 ? `; ${formatAmount(state.outstanding, contract.currency)} of the order amount outstanding, never paid` : ''}`,
  });
  const pay = async (kind: Payout['kind'], amount: number) => {
    if (amount <= 0) return;
    const m = movement(kind, amount);
    // Counted without wrapping the activity's promise: an extra await would reorder the commands.
    order.payoutsInFlight++;
    const tx = kind === 'release' ? await ledger.releaseToSupplier(m) : await ledger.refundBuyer(m);
    order.payoutsInFlight--;
    state.payouts.push({
      kind,
      amount,
      idempotencyKey: m.idempotencyKey,
      transactionId: tx.transactionId,
      at: order.now(),
    });
    state.escrowBalance -= amount;
    order.note(kind, `${amount} ${contract.currency}`);
    order.emit('order.payout');
  };
  await pay('refund', await refundToLines(order, plan.refund, ledger.refundBuyer));
  await pay('release', plan.release);
  await pay('excess_refund', plan.excessRefund);
}
