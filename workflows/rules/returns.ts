import {
  type Contract,
  DEFAULT_RETURN_RECEIPT_WINDOW,
  DEFAULT_RETURN_WINDOW,
  type Returns,
} from '../schemas/contract.js';
import type { OrderSnapshot } from '../schemas/snapshot.js';

/**
 * Why a full refund of this order would take no return (docs/spec.md#returns), or undefined when
 * it waits for the goods to come back: the workflow decides by it, the case file tells the
 * arbitrator by it.
 */
export function whyNoReturn(s: OrderSnapshot): string | undefined {
  if (!s.contract.returns) return 'the order was created before returns existed: its refunds take no return';
  if (s.return) return 'the goods came back once already: this decision takes no second return';
  if (!s.delivery || s.dispute?.kind === 'non_delivery')
    return 'the goods were not delivered: a refund before delivery takes no return';
  return undefined;
}

/**
 * The contract's return windows. Only an order whose contract has them ever holds a return; the
 * defaults stand in so that no reader has to handle their absence.
 */
export function returnWindows(c: Contract): Returns {
  return c.returns ?? { window: DEFAULT_RETURN_WINDOW, receiptWindow: DEFAULT_RETURN_RECEIPT_WINDOW };
}
