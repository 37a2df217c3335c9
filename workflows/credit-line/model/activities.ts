import type { BuyerRecord } from '../rules/scorecard.js';
import type { CreditLineEvent } from './events.js';

/**
 * The side effects of the line workflow; `activities/credit-line.ts` implements them. The method
 * names are activity types recorded in running lines' histories: never rename one.
 */
export interface CreditLineActivities {
  /** The buyer's trading record in the engine, up to `asOf` (docs/credit.md#the-buyers-record). */
  buyerRecord(input: { buyerId: string; asOf: string }): Promise<BuyerRecord>;
  /** One ledger transaction of the line (db/postgres-ledger.ts), idempotent on its key. */
  postLineTransaction(posting: LinePosting): Promise<{ transactionId: string; replayed: boolean }>;
  recordCreditLineEvents(input: { events: CreditLineEvent[] }): Promise<{ stored: number }>;
  /**
   * What the ledger moved from the order's escrow to `lender:<lineId>` for this draw under
   * `<orderId>:refund:line:<reference>`: 0 when nothing was (docs/credit.md#refunds).
   */
  lineRefundOf(input: { lineId: string; orderId: string; reference: string }): Promise<{ amount: number }>;
  /** Shared with the orders: who sent the run's accepted Update of that name. */
  acceptedUpdateSender(input: { updateName: string }): Promise<{ sentBy: string | null }>;
}

/**
 * The line's ledger transactions (docs/credit.md#ledger). `open`: the lender's capital funds
 * `lender:<lineId>` with the limit; `interest`: the period's interest becomes owed by the buyer;
 * `repayment`: the buyer pays interest and principal; `close`: what the lender's account holds
 * goes back to its capital.
 */
export type LinePosting =
  | { kind: 'credit_open'; key: string; lineId: string; currency: string; amount: number }
  | { kind: 'interest'; key: string; lineId: string; currency: string; amount: number }
  | {
      kind: 'repayment';
      key: string;
      lineId: string;
      currency: string;
      buyerId: string;
      interest: number;
      principal: number;
      reference: string;
    }
  | { kind: 'credit_close'; key: string; lineId: string; currency: string };
