import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsAction,
  ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';
import { ASSESSMENT_SCHEDULE_ID, ASSESSMENT_WORKFLOW_TYPE } from '../workflows/model/program.js';

export interface AssessmentScheduleOptions {
  taskQueue: string;
  /** Five-field cron, in UTC (PROGRAM_ASSESSMENT_SCHEDULE). */
  cron: string;
  /** `supplier-assessment`; another id only for a test that must not touch the real one. */
  scheduleId?: string;
}

const CONFLICT_RETRIES = 3;

/**
 * Creates the Schedule that assesses every enrolled supplier (docs/program.md#assessment), or
 * brings an existing one to this worker's settings: every worker does this at start, so that a
 * changed PROGRAM_ASSESSMENT_SCHEDULE or task queue takes effect with the next deployment. One run
 * at a time: a run still going when the next is due makes the next one skip.
 */
export async function ensureAssessmentSchedule(
  client: Client,
  { taskQueue, cron, scheduleId = ASSESSMENT_SCHEDULE_ID }: AssessmentScheduleOptions,
): Promise<'created' | 'updated'> {
  const spec: ScheduleSpec = { cronExpressions: [cron], timezone: 'UTC' };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: ASSESSMENT_WORKFLOW_TYPE,
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
