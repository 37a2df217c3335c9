import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsAction,
  ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';

const CONFLICT_RETRIES = 3;

/**
 * Creates the Schedule, or brings an existing one to this worker's settings: every worker does this
 * at start, so that a changed cron or task queue takes effect with the next deployment. One run at
 * a time: a run still going when the next is due makes the next one skip.
 */
export async function ensureSchedule(
  client: Client,
  options: { scheduleId: string; workflowType: string; taskQueue: string; cron: string },
): Promise<'created' | 'updated'> {
  const { scheduleId, workflowType, taskQueue, cron } = options;
  const spec: ScheduleSpec = { cronExpressions: [cron], timezone: 'UTC' };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType,
    workflowId: scheduleId,
    taskQueue,
    args: [],
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  // Workers starting together update it together: the update carries a conflict token.
  for (let attempt = 1; ; attempt++) {
    try {
      await client.schedule.getHandle(scheduleId).update((current) => ({ ...current, spec, action }));
      return 'updated';
    } catch (err) {
      if (attempt >= CONFLICT_RETRIES) throw err;
    }
  }
}

export interface BackgroundAttempts {
  /** First wait after a failure; doubled after each one up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  signal: AbortSignal;
  onFailure: (err: unknown, nextAttemptInMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds or `signal` aborts, waiting longer after each failure. A worker
 * that starts while Temporal cannot serve its Schedule calls (a frontend restarting, a namespace
 * still replicating) polls for orders at once and keeps asking here: a Schedule tried only at start
 * would stay missing until someone restarted a worker, and the days or assessments with it.
 * Resolves with the result, or `undefined` once aborted.
 */
export async function untilItSucceeds<T>(
  attempt: () => Promise<T>,
  { firstDelayMs = 1_000, maxDelayMs = 60_000, signal, onFailure }: BackgroundAttempts,
): Promise<T | undefined> {
  for (let delay = firstDelayMs; !signal.aborted; delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      return await attempt();
    } catch (err) {
      if (signal.aborted) return undefined;
      onFailure(err, delay);
      await abortableDelay(delay, signal);
    }
  }
  return undefined;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
