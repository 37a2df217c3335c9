import type { Sinks } from '@temporalio/workflow';
import type { OrderStatus } from './state.js';

/** A move of an order that no transition of the lifecycle table makes (lifecycle.ts `leads`). */
export interface StrayMove {
  orderId: string;
  from: OrderStatus;
  to: OrderStatus;
}

/**
 * What the workflow tells its worker without a trace in history (a sink is not called again when
 * the history replays): the worker logs and counts it, and the tests fail on it.
 */
export interface OrderSinks extends Sinks {
  lifecycle: { strayMove(move: StrayMove): void };
}
