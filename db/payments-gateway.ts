/**
 * The payments system behind the escrow (SPEC §5). The PostgreSQL ledger implements it; a
 * marketplace can plug in its own (say, an HTTP payments service that honours idempotency keys).
 */
export interface Movement {
  /** Derived from the order and the step only, never from run ids or attempts. */
  idempotencyKey: string;
  orderId: string;
  buyerId: string;
  supplierId: string;
  currency: string;
  /** Integer minor units, > 0. */
  amount: number;
  memo: string;
  reference?: string;
}

export interface MovementResult {
  transactionId: string;
  idempotencyKey: string;
  amount: number;
  /** True when the key had been used before and this is the first result again. */
  replayed: boolean;
}

export interface PaymentsGateway {
  creditEscrow(movement: Movement): Promise<MovementResult>;
  refundBuyer(movement: Movement): Promise<MovementResult>;
  releaseToSupplier(movement: Movement): Promise<MovementResult>;
}

/** The key was used before for a different movement: a bug upstream, never to be retried. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

/** The movement would break an invariant of the ledger (negative escrow, payouts above funding). */
export class LedgerInvariantError extends Error {
  override name = 'LedgerInvariantError';
}
