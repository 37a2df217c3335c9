import type { Movement, MovementResult } from '../workflows/model/activities.js';

export type { Movement, MovementResult };

/**
 * The payments system behind the escrow (docs/spec.md#money). The PostgreSQL ledger implements it; a
 * marketplace can plug in its own (say, an HTTP payments service that honours idempotency keys).
 */
export interface PaymentsGateway {
  creditEscrow(movement: Movement): Promise<MovementResult>;
  refundBuyer(movement: Movement): Promise<MovementResult>;
  releaseToSupplier(movement: Movement): Promise<MovementResult>;
  /** A payment the rail took back: out of escrow, back to the buyer (docs/ledger.md#reversals). */
  reverseFunding(movement: Movement): Promise<MovementResult>;
}

/** The key was used before for a different movement: a bug upstream, never to be retried. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

/** The movement would break an invariant of the ledger (negative escrow, payouts above funding). */
export class LedgerInvariantError extends Error {
  override name = 'LedgerInvariantError';
}
