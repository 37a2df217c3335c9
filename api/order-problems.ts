import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { CREDIT_UNAVAILABLE } from '../workflows/credit-line/model/messages.js';
import {
  DEADLINE_DUE,
  INVALID_EVENT,
  UNKNOWN_EXTENSION,
  UNKNOWN_PAYMENT,
  WRONG_STATE,
} from '../workflows/model/messages.js';
import { PROTECTED_STATUSES, type SupplierStatus } from '../workflows/rules/program.js';
import type { ContractProblem } from '../workflows/schemas/contract.js';
import { HttpProblem } from './problem.js';

/**
 * What TemporalOrders finds about an order, said without HTTP: the API's error handler turns each
 * into its problem (`orderProblem`), as it does a refusal of the order's own validators.
 */

export class OrderNotFound extends Error {
  constructor(readonly orderId: string) {
    super(`there is no order ${orderId}`);
  }
}

/** A create with an order id that names an order with another contract. */
export class OrderExists extends Error {
  constructor(
    readonly orderId: string,
    readonly currentStatus: string,
  ) {
    super(`order ${orderId} was created with another contract; an order id cannot be reused`);
  }
}

export class ContractContradiction extends Error {
  constructor(readonly problems: ContractProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

/** An event sent to an order whose workflow has ended. */
export class OrderClosed extends Error {
  constructor(
    readonly orderId: string,
    readonly currentStatus: string,
  ) {
    super(`order ${orderId} is closed and takes no more events`);
  }
}

export class IdempotencyKeyReused extends Error {
  constructor(orderId: string, route: string, key: string) {
    super(
      `Idempotency-Key ${key} was used on ${route} of order ${orderId} with another body; ` +
        'send a new key for a new request, or the first body to get its answer',
    );
  }
}

/** A create the supplier program does not protect: the supplier's coverage in the order's currency. */
export class NotProtected extends Error {
  constructor(
    supplierId: string,
    amount: number,
    readonly coverage: {
      supplierStatus: SupplierStatus;
      currency: string;
      limit: number;
      exposure: number;
      available: number;
    },
  ) {
    super(
      PROTECTED_STATUSES.includes(coverage.supplierStatus)
        ? `supplier ${supplierId} has ${coverage.available} ${coverage.currency} of coverage available; the order needs ${amount}`
        : `supplier ${supplierId} is ${coverage.supplierStatus.replace('_', ' ')}: the program protects no new order of theirs`,
    );
  }
}

export class InvalidCursor extends Error {
  constructor() {
    super('cursor: not a nextCursor of a list with these filters');
  }
}

/** The problem an error about an order is answered with; undefined for any other error. */
export function orderProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message, details } = err.cause;
    if (type === WRONG_STATE || type === DEADLINE_DUE) {
      const [detail] = (details ?? []) as { status?: string }[];
      return new HttpProblem('wrong-state', message, { currentStatus: detail?.status });
    }
    if (type === INVALID_EVENT) return new HttpProblem('invalid-event', message);
    if (type === UNKNOWN_EXTENSION) return new HttpProblem('extension-not-found', message);
    if (type === UNKNOWN_PAYMENT) return new HttpProblem('payment-not-found', message);
    // A draw's line refused it in the order's handler (workflows/handlers/draws.ts): the order recorded nothing.
    if (type === CREDIT_UNAVAILABLE) {
      const [detail] = (details ?? []) as { available?: number; lineStatus?: string }[];
      return new HttpProblem('credit-unavailable', message, {
        available: detail?.available,
        lineStatus: detail?.lineStatus,
      });
    }
    return undefined;
  }
  if (err instanceof OrderNotFound) return new HttpProblem('order-not-found', err.message);
  if (err instanceof OrderExists || err instanceof OrderClosed) {
    return new HttpProblem(err instanceof OrderExists ? 'order-exists' : 'wrong-state', err.message, {
      currentStatus: err.currentStatus,
    });
  }
  if (err instanceof ContractContradiction) {
    return new HttpProblem('contract-contradiction', err.message, { errors: err.problems });
  }
  if (err instanceof NotProtected) return new HttpProblem('not-protected', err.message, err.coverage);
  if (err instanceof IdempotencyKeyReused) return new HttpProblem('idempotency-key-reused', err.message);
  if (err instanceof InvalidCursor) {
    return new HttpProblem('invalid-request', err.message, {
      errors: [{ path: 'query.cursor', message: 'is not a nextCursor of a list with these filters' }],
    });
  }
  return undefined;
}
