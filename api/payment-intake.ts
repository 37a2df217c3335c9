import { drawIdOf, lineStepCalls } from '../workflows/credit-line/model/messages.js';
import type { OrderSnapshot } from '../workflows/model/state.js';
import { signEvent } from '../workflows/rules/event-signature.js';
import type { LineSteps, PaymentEvent, PaymentMethod } from '../workflows/schemas/commands.js';
import type { TemporalCreditLines } from './credit-lines.js';
import { HttpProblem } from './problem.js';

/**
 * What the API checks of a payment before the order sees it (docs/api.md#payments): its method is
 * covered, and a draw's line can fund it. A draw's three steps on the line are signed here, because
 * only the API signs marketplace events (docs/spec.md#who-may-move-money): the order's workflow
 * carries them and its activities deliver them, so that the saga goes on whatever process dies
 * (docs/credit.md#draws-into-escrow).
 */
export class PaymentIntake {
  constructor(
    private readonly covered: readonly PaymentMethod[],
    private readonly lines: TemporalCreditLines,
    private readonly eventSigningKey: string | undefined,
  ) {}

  /** The fields the API adds to the payment's Update, or the problem that refuses it. */
  async admit(
    payment: PaymentEvent,
    order: () => Promise<OrderSnapshot>,
  ): Promise<{ lineSteps?: LineSteps }> {
    if (!this.covered.includes(payment.method)) {
      throw new HttpProblem(
        'payment-method-not-covered',
        `payments by ${payment.method} are not covered by the program; covered: ${this.covered.join(', ')}`,
      );
    }
    if (payment.method !== 'credit_line' || payment.creditLineId === undefined) return {};
    if (!this.eventSigningKey) {
      throw new HttpProblem(
        'payment-method-not-covered',
        'this API has no event signing key, without which a credit line cannot be drawn on',
      );
    }
    const lineId = payment.creditLineId;
    const snapshot = await order();
    const { contract } = snapshot;
    const draw = { orderId: contract.orderId, reference: payment.reference, amount: payment.amount };
    const line = await this.lines.get(lineId);
    // A payment sent again is answered by the order: the line's figures already count it.
    const known =
      snapshot.payments.some((p) => p.reference === payment.reference) ||
      line.draws.some((d) => d.drawId === drawIdOf(draw));
    const refusal =
      line.buyer.id !== contract.buyer.id
        ? `credit line ${lineId} is buyer ${line.buyer.id}'s, not this order's buyer ${contract.buyer.id}`
        : line.currency !== contract.currency
          ? `credit line ${lineId} lends in ${line.currency}, the order is in ${contract.currency}`
          : known
            ? undefined
            : line.status !== 'active'
              ? `credit line ${lineId} is ${line.status}: it lends only while active`
              : payment.amount > line.available
                ? `credit line ${lineId} has ${line.available} available, less than ${payment.amount}`
                : undefined;
    if (refusal) {
      throw new HttpProblem('credit-unavailable', refusal, {
        available: line.available,
        lineStatus: line.status,
      });
    }
    const key = this.eventSigningKey;
    const calls = lineStepCalls(lineId, draw);
    const sign = (c: { workflowId: string; updateName: string; updateId: string; arg: unknown }) =>
      signEvent(key, {
        workflowId: c.workflowId,
        updateName: c.updateName,
        updateId: c.updateId,
        args: [c.arg],
      });
    return {
      lineSteps: { reserve: sign(calls.reserve), confirm: sign(calls.confirm), release: sign(calls.release) },
    };
  }
}
