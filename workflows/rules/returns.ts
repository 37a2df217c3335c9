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
