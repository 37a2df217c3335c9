import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { WEBHOOK_RETRY } from './model/events.js';
import { type ProgramActivities, supplierEventsRecordedSignal } from './model/program.js';

const BATCH = 100;

/**
 * Receivers may be down for a while: like order events, each delivery keeps trying for 72 hours. A
 * batch heartbeats after each event, so that one held by a worker that died is retried in seconds.
 */
const delivery = proxyActivities<ProgramActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: WEBHOOK_RETRY.initialIntervalMs,
    backoffCoefficient: WEBHOOK_RETRY.backoffCoefficient,
    maximumInterval: WEBHOOK_RETRY.maximumIntervalMs,
  },
});

/**
 * The one workflow (`supplier-events-<task queue>`) that delivers supplier events to the webhooks, in feed
 * order, so that a receiver sees each supplier's events in sequence. Whoever stores supplier events
 * wakes it with a signal (starting it when it is not running); it delivers until none waits and
 * ends, unless a signal came meanwhile. Where it stands is kept in PostgreSQL, not in the workflow.
 */
export async function supplierEvents(): Promise<void> {
  let woken = true;
  setHandler(supplierEventsRecordedSignal, () => {
    woken = true;
  });
  while (woken) {
    woken = false;
    for (let more = true; more; ) {
      ({ more } = await delivery.deliverSupplierEvents({ limit: BATCH }));
      if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof supplierEvents>();
    }
  }
}
