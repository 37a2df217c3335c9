import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { AssessmentInput, AssessmentResult, ProgramActivities } from './model/program.js';

/** Suppliers per activity: one transaction, its rows locked for tens of milliseconds. */
export const ASSESSMENT_PAGE = 500;
/** Pages per run before it continues as new, so that no history grows with the number of suppliers. */
export const PAGES_PER_RUN = 50;

/**
 * A page takes well under a second; a worker that dies holding one has it retried elsewhere after
 * a minute, not after the default's hours.
 */
const program = proxyActivities<ProgramActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The program's assessment (docs/program.md#assessment), started by the Schedule
 * `supplier-assessment`: every enrolled supplier, in pages of their ids, all at the moment the first
 * run started. A page is one transaction that changes only what differs, so a page retried after a
 * worker died assesses nothing twice and records no event twice.
 */
export async function supplierAssessment(input: AssessmentInput = {}): Promise<AssessmentResult> {
  const at = input.at ?? new Date(Date.now()).toISOString();
  const { pageSize = ASSESSMENT_PAGE, pagesPerRun = PAGES_PER_RUN } = input;
  let { after, assessed = 0, changed = 0 } = input;
  for (let pages = 0; ; pages++) {
    if (pages === pagesPerRun) {
      return continueAsNew<typeof supplierAssessment>({
        at,
        after,
        assessed,
        changed,
        pageSize,
        pagesPerRun,
      });
    }
    const page = await program.assessSupplierPage({ at, after, limit: pageSize });
    assessed += page.assessed;
    changed += page.changed;
    if (page.last === undefined || page.assessed < pageSize) break;
    after = page.last;
  }
  const { released } = await program.finishAssessment({ at });
  return { at, assessed, changed, released };
}
