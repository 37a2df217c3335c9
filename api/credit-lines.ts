import {
  ApplicationFailure,
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { CreditSettings } from '../config/credit.js';
import {
  CREDIT_UNAVAILABLE,
  creditLineQuery,
  creditLineWorkflowId,
  LINE_INVALID,
  LINE_UPDATES,
  LINE_WRONG_STATE,
  type LineCommandInputOf,
  type LineUpdateName,
  UNKNOWN_DRAW,
} from '../workflows/credit-line/model/messages.js';
import type { CreditLineSnapshot } from '../workflows/credit-line/model/state.js';
import type { CreditApplication } from '../workflows/credit-line/schemas/application.js';
import type { creditLine } from '../workflows/credit-line/workflow.js';
import { startCreditLineWorkflow } from './credit-line-start.js';
import { canonicalJson } from './fingerprint.js';
import { HttpProblem } from './problem.js';

/** What identifies an application: a create with the same fields under the same id is the same line. */
const fingerprint = (a: Omit<CreditApplication, 'appliedAt'> | CreditLineSnapshot) =>
  canonicalJson({
    lineId: a.lineId,
    buyer: a.buyer,
    country: a.country,
    currency: a.currency,
    requestedLimit: a.requestedLimit,
    business: a.business,
    documents: a.documents,
    terms: a.terms,
  });

/** The line as the API answers it: without the workflow's own bookkeeping. */
export function lineView(s: CreditLineSnapshot) {
  const {
    period: _period,
    repayments: _repayments,
    refunds: _refunds,
    lastSequence: _lastSequence,
    ...view
  } = s;
  return view;
}

/**
 * The credit lines as the API sees them in Temporal: one workflow per line, its `creditLine`
 * Query and its Updates, each call under a deadline so that an unreachable cluster is a 503.
 */
export class TemporalCreditLines {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timeoutMs: number,
    private readonly settings: CreditSettings,
  ) {}

  private within<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + this.timeoutMs, fn);
  }

  private handle(lineId: string) {
    return this.client.workflow.getHandle<typeof creditLine>(creditLineWorkflowId(lineId));
  }

  /** Starts the line's workflow, or answers with the line an identical application started. */
  async apply(
    input: Omit<CreditApplication, 'appliedAt'>,
    now: Date,
  ): Promise<{ created: boolean; line: CreditLineSnapshot }> {
    const range = this.settings.limits[input.currency];
    if (!range) {
      throw new HttpProblem(
        'credit-application-contradiction',
        `no credit lines are offered in ${input.currency}`,
        {
          errors: [{ path: 'currency', message: `no credit lines are offered in ${input.currency}` }],
        },
      );
    }
    if (input.requestedLimit < range.min || input.requestedLimit > range.max) {
      const message = `must be from ${range.min} to ${range.max} minor units of ${input.currency}`;
      throw new HttpProblem('credit-application-contradiction', `requestedLimit ${message}`, {
        errors: [{ path: 'requestedLimit', message }],
      });
    }
    try {
      await this.within(() =>
        startCreditLineWorkflow(
          this.client,
          { ...input, appliedAt: now.toISOString() },
          { verificationTarget: this.settings.verificationTarget, minLimit: range.min },
          this.taskQueue,
        ),
      );
      return { created: true, line: await this.get(input.lineId) };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const line = await this.get(input.lineId);
      if (fingerprint(line) !== fingerprint(input)) {
        throw new HttpProblem(
          'credit-line-exists',
          `credit line ${input.lineId} exists with another application`,
          {
            currentStatus: line.status,
          },
        );
      }
      return { created: false, line };
    }
  }

  async get(lineId: string): Promise<CreditLineSnapshot> {
    try {
      return await this.within(() => this.handle(lineId).query(creditLineQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new HttpProblem('credit-line-not-found', `there is no credit line ${lineId}`);
      }
      throw err;
    }
  }

  /** Runs one of the line's Updates; a refusal of its validator becomes its problem. */
  async update<N extends LineUpdateName>(
    lineId: string,
    name: N,
    command: LineCommandInputOf<N>,
  ): Promise<CreditLineSnapshot> {
    const update = LINE_UPDATES[name];
    try {
      await this.within(() => this.handle(lineId).executeUpdate(update, { args: [command] }));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // The server answers an Update on a closed workflow as if it did not exist.
        const line = await this.get(lineId);
        throw new HttpProblem('credit-line-wrong-state', `the line is ${line.status}`, {
          currentStatus: line.status,
        });
      }
      throw lineProblem(err) ?? err;
    }
    // The Update answers the line's figures only (model/state.ts LineAnswer); the answer is the whole line.
    return this.get(lineId);
  }
}

/** The problem a refusal of the line's validators is answered with. */
export function lineProblem(err: unknown): HttpProblem | undefined {
  if (!(err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure))
    return undefined;
  const { type, message, details } = err.cause;
  const [detail] = (details ?? []) as { status?: string; available?: number; lineStatus?: string }[];
  if (type === LINE_WRONG_STATE)
    return new HttpProblem('credit-line-wrong-state', message, { currentStatus: detail?.status });
  if (type === LINE_INVALID) return new HttpProblem('credit-line-contradiction', message);
  if (type === UNKNOWN_DRAW) return new HttpProblem('credit-line-contradiction', message);
  if (type === CREDIT_UNAVAILABLE) {
    return new HttpProblem('credit-unavailable', message, {
      available: detail?.available,
      lineStatus: detail?.lineStatus,
    });
  }
  return undefined;
}
