import type { Movement, MovementResult, PaymentsGateway } from '../../db/payments-gateway.js';

export type LedgerMethod = keyof PaymentsGateway;

/**
 * A payments gateway that hands every call to `call`, for tests that put something between the
 * workflow's activities and the real ledger (a crash after the commit, a call held back).
 */
export abstract class WrappedLedger implements PaymentsGateway {
  constructor(protected readonly ledger: PaymentsGateway) {}

  protected abstract call(method: LedgerMethod, m: Movement): Promise<MovementResult>;

  creditEscrow(m: Movement) {
    return this.call('creditEscrow', m);
  }

  refundBuyer(m: Movement) {
    return this.call('refundBuyer', m);
  }

  releaseToSupplier(m: Movement) {
    return this.call('releaseToSupplier', m);
  }

  reverseFunding(m: Movement) {
    return this.call('reverseFunding', m);
  }
}
