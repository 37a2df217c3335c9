import { ApplicationFailure } from '@temporalio/common';
import type { ArbitrationOverdueNotice, Notifier } from './notifier.js';
import {
  IdempotencyKeyReusedError,
  LedgerInvariantError,
  type Movement,
  type MovementResult,
  type PaymentsGateway,
} from './payments-gateway.js';

export interface ActivityDeps {
  payments: PaymentsGateway;
  notifier: Notifier;
}

/** Errors that retrying cannot fix become non-retryable failures; everything else is retried. */
async function guarded(run: () => Promise<MovementResult>): Promise<MovementResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof IdempotencyKeyReusedError || err instanceof LedgerInvariantError) {
      throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

export function createActivities({ payments, notifier }: ActivityDeps) {
  return {
    creditEscrow: (m: Movement) => guarded(() => payments.creditEscrow(m)),
    refundBuyer: (m: Movement) => guarded(() => payments.refundBuyer(m)),
    releaseToSupplier: (m: Movement) => guarded(() => payments.releaseToSupplier(m)),
    notifyArbitrationOverdue: (notice: ArbitrationOverdueNotice) => notifier.arbitrationOverdue(notice),
  };
}

export type Activities = ReturnType<typeof createActivities>;
