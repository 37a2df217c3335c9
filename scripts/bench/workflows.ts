import { allHandlersFinished, condition, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { BenchActivities } from './activities.js';
import { benchStepUpdate } from './messages.js';

/*
 * The benchmark's bundle: the order workflow as deployed, beside the two ceilings it is measured
 * against. The ceilings do what an order must do on Temporal and nothing of the engine's own work.
 */
export * from '../../workflows/index.js';

const { benchNoop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });

export interface BenchShapeInput {
  updates: number;
  /** No-op activities after the last Update, one per payout. */
  settlementActivities: number;
}

/** An order's interaction shape: start, its Updates (the payment one runs an activity), its payouts, complete. */
export async function benchShape(input: BenchShapeInput): Promise<number> {
  let done = 0;
  setHandler(benchStepUpdate, async ({ activity }) => {
    if (activity) await benchNoop();
    done++;
    return done;
  });
  await condition(() => done >= input.updates);
  for (let i = 0; i < input.settlementActivities; i++) await benchNoop();
  await condition(allHandlersFinished);
  return done;
}

/** The timer storm's ceiling: a timer that fires at `fireAt`, then one no-op activity; answers its end. */
export async function benchTimer(input: { fireAt: number }): Promise<number> {
  await sleep(Math.max(1, input.fireAt - Date.now()));
  return benchNoop();
}
