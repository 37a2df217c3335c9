import type { Client } from '@temporalio/client';
import { ASSESSMENT_SCHEDULE_ID, ASSESSMENT_WORKFLOW_TYPE } from '../workflows/model/program.js';
import { ensureSchedule } from './schedules.js';

export interface AssessmentScheduleOptions {
  taskQueue: string;
  /** Five-field cron, in UTC (PROGRAM_ASSESSMENT_SCHEDULE). */
  cron: string;
  /** `supplier-assessment`; another id only for a test that must not touch the real one. */
  scheduleId?: string;
}

/**
 * The Schedule that assesses every enrolled supplier (docs/program.md#assessment), created or
 * updated by every worker at start, so that a changed PROGRAM_ASSESSMENT_SCHEDULE takes effect with
 * the next deployment.
 */
export function ensureAssessmentSchedule(
  client: Client,
  { taskQueue, cron, scheduleId = ASSESSMENT_SCHEDULE_ID }: AssessmentScheduleOptions,
): Promise<'created' | 'updated'> {
  return ensureSchedule(client, { scheduleId, workflowType: ASSESSMENT_WORKFLOW_TYPE, taskQueue, cron });
}
