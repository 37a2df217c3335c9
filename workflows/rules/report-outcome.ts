import type { Contract } from '../schemas/contract.js';
import { parseDuration } from '../schemas/duration.js';
import type { InspectionReport } from '../schemas/inspection-report.js';
import type { Evaluation } from '../schemas/snapshot.js';
import type { CloseReason, OrderOutcome } from '../schemas/statuses.js';
import { type Commission, commissionFee, covered, settlementPlan } from './money.js';
import { evaluateQuality } from './quality.js';

/**
 * Where an inspection report takes an order, and the money of the settlement it leads to, made of
 * the functions the workflow runs (evaluateQuality, settlementPlan): what the contract check
 * simulates before signing, and what the what-if decides again under other rules.
 *
 * The status follows the workflow's inspection (docs/spec.md#claims): a report that conforms and
 * measures every term releases; one that conforms but leaves a term unmeasured keeps the order in
 * inspection, and the window's end releases it; a violation opens the dispute with the automatic
 * claim for everything escrow covers, in negotiation or, with a `PT0S` window, in arbitration.
 *
 * A dispute is settled as the arbitrator's rubric of the case file says: a quantity shortfall at its
 * pro-rata refund (a split; a refund when that is all escrow covers), a quality violation by
 * refunding the claim. In negotiation that is the parties agreeing (`settlement_agreed`), or the
 * supplier accepting the claim (`claim_accepted`); with no negotiation window it is the arbitrator.
 */

export type ReportStatus = 'settling' | 'inspection' | 'negotiation' | 'arbitration';

export interface SettlementMoney {
  outcome: OrderOutcome;
  reason: CloseReason;
  /** The refund of the claim (everything covered, on a refund). */
  refund: number;
  release: number;
  /** Funded beyond the amount: always the buyer's. */
  excessRefund: number;
  /** The marketplace's commission on the release, paid out of it. */
  fee: number;
  /** What each account receives: the buyer refund + excess, the supplier release − fee, the fee account fee. */
  paid: { buyer: number; supplier: number; fees: number };
}

export interface ReportOutcome {
  evaluation: Evaluation;
  status: ReportStatus;
  /** The automatic claim a violation opens. */
  claim?: { reason: 'quality' | 'quantity'; requestedRefund: number };
  settlement: SettlementMoney;
}

export type DecidedContract = Pick<Contract, 'amount' | 'quantity' | 'quality' | 'negotiationWindow'>;

export function reportOutcome(
  contract: DecidedContract,
  report: InspectionReport,
  funded: number,
  commission?: Commission,
): ReportOutcome {
  const evaluation = evaluateQuality(contract, report);
  const money = (outcome: OrderOutcome, reason: CloseReason, refundAmount = 0) =>
    settlementMoney(outcome, reason, funded, contract.amount, refundAmount, commission);
  if (evaluation.conforms) {
    return evaluation.complete
      ? { evaluation, status: 'settling', settlement: money('released', 'buyer_accepted') }
      : { evaluation, status: 'inspection', settlement: money('released', 'inspection_lapsed') };
  }
  const held = covered({ funded, contract });
  const onlyQuantity = evaluation.violations.every((v) => v.attribute === 'quantity');
  const arbitration = parseDuration(contract.negotiationWindow) === 0;
  const refund = Math.min(evaluation.suggestedRefund, held);
  const settlement =
    refund > 0 && refund < held
      ? money('split', arbitration ? 'arbitration' : 'settlement_agreed', refund)
      : money('refunded', arbitration ? 'arbitration' : 'claim_accepted');
  return {
    evaluation,
    status: arbitration ? 'arbitration' : 'negotiation',
    claim: { reason: onlyQuantity ? 'quantity' : 'quality', requestedRefund: held },
    settlement,
  };
}

/** The payouts of a settlement (settlementPlan), with the commission on its release. */
export function settlementMoney(
  outcome: OrderOutcome,
  reason: CloseReason,
  funded: number,
  amount: number,
  refundAmount = 0,
  commission?: Commission,
): SettlementMoney {
  const plan = settlementPlan(outcome, funded, amount, refundAmount);
  const fee = commissionFee(plan.release, commission);
  return {
    outcome,
    reason,
    ...plan,
    fee,
    paid: { buyer: plan.refund + plan.excessRefund, supplier: plan.release - fee, fees: fee },
  };
}
