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
