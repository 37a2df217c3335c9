import {
  ApplicationFailure,
  patched,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { z } from 'zod';
import { CreditLineStatusKey, VerificationOverdueKey } from '../../model/search-attributes.js';
import { durationMs } from '../../schemas/duration.js';
import { lineCaseFile } from '../case-file/case-file.js';
import type { CreditLineActivities, LinePosting } from '../model/activities.js';
import {
  type CreditLineEvent,
  type CreditLineEventType,
  creditLineEventId,
  viewOf,
} from '../model/events.js';
import {
  CREDIT_UNAVAILABLE,
  drawIdOf,
  LINE_COMMAND_SCHEMAS,
  LINE_INVALID,
  LINE_WRONG_STATE,
  type LineCommandOf,
  type LineUpdateName,
  UNKNOWN_DRAW,
} from '../model/messages.js';
import {
  CARRIED_TIMELINE,
  type CreditLineInput,
  type CreditLineSnapshot,
  type CreditLineStatus,
  type Draw,
  LENDING_STATUSES,
  openingLine,
} from '../model/state.js';
import { accrue, postInterest } from '../rules/interest.js';
import { allocate, owed } from '../rules/repayment.js';
import { type BuyerRecord, score } from '../rules/scorecard.js';
import type { DrawStep } from '../schemas/commands.js';

/** Reading the buyer's record is one query: a minute covers a slow database, well inside the 60 s target's retries. */
const records = proxyActivities<CreditLineActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' },
});
/** Money and events: retried until they go through, as the orders' are. */
const effects = proxyActivities<CreditLineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Refuses an Update in its validator, as the order's `refuse` (handlers/order.ts) does: the type
 * the API maps to a status, the message, no stack trace.
 */
export function refuse(type: string, message: string, details?: Record<string, unknown>): never {
  const failure = ApplicationFailure.create({
    type,
    nonRetryable: true,
    message,
    ...(details && { details: [details] }),
  });
  failure.stack = '';
  throw failure;
}

/** One Update's handling: `validate` refuses before anything is written; `handle` runs once accepted. */
export interface LineUpdateHandler<N extends LineUpdateName> {
  description: string;
  validate(command: LineCommandOf<N>): void;
  handle(command: LineCommandOf<N>): CreditLineSnapshot | Promise<CreditLineSnapshot>;
}
export type LineUpdateHandlers = { [N in LineUpdateName]: LineUpdateHandler<N> };

/**
 * One credit line's state and rules (docs/credit.md): scoring, verification, draws, interest,
 * statements, repayments and closing. Every change goes through it; the workflow function
 * (credit-line/workflow.ts) registers its Updates and waits on its deadlines.
 */
export class CreditLine {
  readonly state: CreditLineSnapshot;
  /** Bumped by every change: the workflow's wait wakes on it and looks at the deadlines anew. */
  changes = 0;
  /** Money movements scheduled and not yet answered: a statement and the next run wait for them. */
  inFlight = 0;
  /** Settles when the last posting handed to the ledger has, whichever way (see post). */
  private lastPosting: Promise<void> = Promise.resolve();
  private postings = 0;
  private readonly pending: CreditLineEvent[] = [];

  constructor(private readonly input: CreditLineInput) {
    this.state = input.carried ?? openingLine(input.application);
  }

  now(): string {
    return new Date(Date.now()).toISOString();
  }

  get finished(): boolean {
    return this.state.status === 'declined' || this.state.status === 'closed';
  }

  parse<N extends LineUpdateName>(name: N, arg: unknown): LineCommandOf<N> {
    const result = (LINE_COMMAND_SCHEMAS[name] as z.ZodType).safeParse(arg);
    if (!result.success) {
      const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      refuse(LINE_INVALID, `${name} refused: ${problems.join('; ')}`, { problems });
    }
    return result.data as LineCommandOf<N>;
  }

  /** The line after a change: timeline, case file, search attributes, and its event. */
  private changed(
    event: string,
    type?: CreditLineEventType,
    detail?: Record<string, unknown>,
    note?: string,
  ): void {
    const s = this.state;
    s.reserved = s.draws.filter((d) => d.status === 'reserved').reduce((sum, d) => sum + d.amount, 0);
    s.available = LENDING_STATUSES.includes(s.status) ? Math.max(0, s.limit - s.principal - s.reserved) : 0;
    const at = this.now();
    s.timeline.push(note === undefined ? { at, event } : { at, event, detail: note });
    if (type) {
      s.lastSequence += 1;
      this.pending.push({
        id: creditLineEventId(s.lineId, s.lastSequence),
        lineId: s.lineId,
        sequence: s.lastSequence,
        type,
        occurredAt: at,
        line: viewOf(s),
        ...(detail && { detail }),
      });
    }
    this.publish();
    this.changes++;
  }

  /** What underwriters search and read in the Web UI. */
  publish(): void {
    upsertSearchAttributes([
      { key: CreditLineStatusKey, value: this.state.status },
      {
        key: VerificationOverdueKey,
        value: this.state.status === 'verification' && !!this.state.verification?.overdue,
      },
    ]);
    setCurrentDetails(lineCaseFile(this.state));
  }

  private moveTo(status: CreditLineStatus): void {
    this.state.status = status;
  }

  /** Events waiting to be stored, handed out in order. */
  takeEvents(): CreditLineEvent[] {
    return this.pending.splice(0);
  }
  get eventsPending(): boolean {
    return this.pending.length > 0;
  }

  // Application and scoring.

  applied(): void {
    this.changed('applied', 'credit_line.applied', { requestedLimit: this.state.requestedLimit });
  }

  /** The record comes from an activity (recorded in history); the scorecard runs here, pure. */
  async score(): Promise<void> {
    const s = this.state;
    const record: BuyerRecord = await records.buyerRecord({ buyerId: s.buyer.id, asOf: s.appliedAt });
    const card = score(
      {
        requestedLimit: s.requestedLimit,
        yearsTrading: s.business.yearsTrading,
        annualRevenue: s.business.annualRevenue,
        record,
      },
      this.input.settings.minLimit,
    );
    s.scorecard = card;
    s.scoredAt = this.now();
    const result = card.result;
    if (result.decision === 'declined') {
      s.declineReasons = result.reasons;
      this.moveTo('declined');
      this.changed('scored', 'credit_line.scored', { score: card.score, decision: result.decision });
      this.changed(
        'declined',
        'credit_line.declined',
        { by: 'scorecard', reasons: result.reasons },
        result.reasons.join(', '),
      );
      return;
    }
    s.offeredLimit = result.offeredLimit;
    s.monthlyRateBps = result.monthlyRateBps;
    s.verification = {
      dueAt: new Date(Date.now() + durationMs(this.input.settings.verificationTarget)).toISOString(),
      overdue: false,
    };
    this.moveTo('verification');
    this.changed(
      'scored',
      'credit_line.scored',
      {
        score: card.score,
        decision: result.decision,
        offeredLimit: result.offeredLimit,
        monthlyRateBps: result.monthlyRateBps,
      },
      `approved in principle: band ${result.band}`,
    );
  }

  verificationOverdue(): void {
    const v = this.state.verification;
    if (this.state.status !== 'verification' || !v || v.overdue) return;
    v.overdue = true;
    this.changed('verification_overdue', 'credit_line.verification_overdue', { dueAt: v.dueAt });
  }

  // Deadlines the workflow waits on: the earliest that has not been handled.

  nextDeadline(): string | undefined {
    const s = this.state;
    if (s.status === 'verification') return s.verification?.overdue ? undefined : s.verification?.dueAt;
    if (!LENDING_STATUSES.includes(s.status)) return undefined;
    const dues = s.draws
      .filter((d) => d.status === 'outstanding' && !d.overdue && d.dueAt)
      .map((d) => d.dueAt as string);
    return [s.period?.to, ...dues].filter((d): d is string => d !== undefined).sort()[0];
  }

  /** Marks overdue draws; a line with one freezes. True when the statement period has ended too. */
  deadlinesPassed(): { statementDue: boolean } {
    const s = this.state;
    const now = Date.now();
    if (s.status === 'verification') {
      if (s.verification && now >= Date.parse(s.verification.dueAt)) this.verificationOverdue();
      return { statementDue: false };
    }
    for (const d of s.draws) {
      if (d.status !== 'outstanding' || d.overdue || !d.dueAt || now < Date.parse(d.dueAt)) continue;
      d.overdue = true;
      this.changed('overdue', 'credit_line.overdue', {
        drawId: d.drawId,
        dueAt: d.dueAt,
        outstanding: d.amount - d.repaid,
      });
      if (s.status === 'active') {
        this.moveTo('frozen');
        this.changed('frozen', 'credit_line.frozen', { drawId: d.drawId });
      }
    }
    return { statementDue: s.period !== undefined && now >= Date.parse(s.period.to) };
  }

  // Interest and statements.

  /**
   * Adds the interest of the principal outstanding since the last change, up to `at`. A change
   * handled after the period's end, before its statement closed it (the statement's timer fired in
   * the same workflow task), accrues the time past the end to the next period (`beyond`): before
   * 'accrual-at-period-end' that time went into the ending period, and the next one accrued it again.
   */
  private accrueTo(at: number): void {
    const s = this.state;
    const p = s.period;
    if (!p || s.monthlyRateBps === null) return;
    const from = Date.parse(p.accruedAt);
    if (at <= from) return;
    const end = Date.parse(p.to);
    const rate = s.monthlyRateBps;
    if (at > end && patched('accrual-at-period-end')) {
      const until = Math.max(from, end);
      if (until > from) p.accrued = accrue(BigInt(p.accrued), s.principal, until - from, rate).toString();
      p.beyond = accrue(BigInt(p.beyond ?? '0'), s.principal, at - until, rate).toString();
    } else p.accrued = accrue(BigInt(p.accrued), s.principal, at - from, rate).toString();
    p.accruedAt = new Date(at).toISOString();
  }

  private openPeriod(from: number, number: number): void {
    const s = this.state;
    const to = from + durationMs(s.terms.statementPeriod);
    const ended = s.period;
    const carried = ended ? postInterest(BigInt(ended.accrued)).carried : 0n;
    s.period = {
      number,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      opening: s.principal + s.interestDue,
      draws: 0,
      repayments: 0,
      // What a change past the end accrued is this period's, up to that change.
      accrued: (carried + BigInt(ended?.beyond ?? '0')).toString(),
      accruedAt: ended?.beyond !== undefined ? ended.accruedAt : new Date(from).toISOString(),
    };
  }

  /**
   * Ends the period at its `to`: the interest in whole minor units becomes due (and is posted to
   * the ledger), the fraction is carried, the statement is added, the next period opens.
   */
  async closeStatement(): Promise<void> {
    const s = this.state;
    const p = s.period;
    if (!p) return;
    const to = Date.parse(p.to);
    this.accrueTo(to);
    const { interest } = postInterest(BigInt(p.accrued));
    s.interestDue += interest;
    const statement = {
      number: p.number,
      from: p.from,
      to: p.to,
      opening: p.opening,
      draws: p.draws,
      repayments: p.repayments,
      interest,
      closing: p.opening + p.draws - p.repayments + interest,
    };
    s.statements.push(statement);
    this.openPeriod(to, p.number + 1);
    // Closed draws have their figures in the statement now; open ones go on.
    s.draws = s.draws.filter((d) => d.status === 'reserved' || d.status === 'outstanding');
    s.timeline = s.timeline.slice(-CARRIED_TIMELINE);
    this.changed('statement', 'credit_line.statement', { statement }, `statement ${statement.number}`);
    if (interest > 0) {
      await this.post({
        kind: 'interest',
        key: `${s.lineId}:interest:${statement.number}`,
        lineId: s.lineId,
        currency: s.currency,
        amount: interest,
      });
    }
  }

  /**
   * The line's postings reach the ledger in the order the line made them. Run side by side, a
   * repayment of the interest a statement has just billed could commit before that interest (its
   * posting retried after a lost connection): the ledger refuses to be paid interest it has not
   * billed, and the Update failed with the repayment in the line's state only (the chaos soak's
   * finding). A close behind a repayment would likewise return the lender's balance before the
   * repaid principal reached it. Asked only when a posting is in flight, the one case it changes.
   */
  private async post(posting: LinePosting): Promise<void> {
    const behind = this.postings > 0 && patched('line-postings-in-order') ? this.lastPosting : undefined;
    this.inFlight++;
    this.postings++;
    try {
      const done = behind
        ? behind.then(() => effects.postLineTransaction(posting))
        : effects.postLineTransaction(posting);
      this.lastPosting = done.then(
        () => undefined,
        () => undefined,
      );
      await done;
    } finally {
      this.postings--;
      this.inFlight--;
      this.changes++;
    }
  }

  /** Who sent the accepted `verify`, read from history by an activity (the workflow cannot see it). */
  private async recordSender(): Promise<void> {
    const { sentBy } = await effects.acceptedUpdateSender({ updateName: 'verify' });
    if (this.state.verification) this.state.verification.sentBy = sentBy;
    this.publish();
  }

  // Guards shared by the validators.

  private require(statuses: readonly CreditLineStatus[], what: string): void {
    const { status } = this.state;
    if (!statuses.includes(status)) {
      refuse(
        LINE_WRONG_STATE,
        `${what} is not possible while the line is ${status} (only when ${statuses.join(' or ')})`,
        {
          status,
        },
      );
    }
  }

  private outstandingDraws() {
    return this.state.draws
      .filter((d) => d.status === 'outstanding')
      .map((d) => ({ drawId: d.drawId, drawnAt: d.drawnAt as string, outstanding: d.amount - d.repaid }));
  }

  private find(step: { orderId: string; reference: string }): Draw {
    const drawId = drawIdOf(step);
    const draw = this.state.draws.find((d) => d.drawId === drawId);
    if (!draw) refuse(UNKNOWN_DRAW, `the line has no draw ${drawId}`, { drawId });
    return draw;
  }

  /** The Updates of docs/credit.md, keyed by name (messages.ts). */
  readonly updates: LineUpdateHandlers = {
    verify: {
      description:
        'The underwriter’s decision on the documents: { approve, limit? (at most the offered limit), underwriter, notes }. Approving makes the line active.',
      validate: (v) => {
        this.require(['verification'], 'verification');
        const offered = this.state.offeredLimit ?? 0;
        if (v.approve && v.limit !== undefined && (v.limit <= 0 || v.limit > offered)) {
          refuse(
            LINE_INVALID,
            `limit must be between 1 and the offered limit ${offered} (minor units), got ${v.limit}`,
            {
              offeredLimit: offered,
            },
          );
        }
        if (!v.approve && v.limit !== undefined) refuse(LINE_INVALID, 'a decline takes no limit');
      },
      handle: async (v) => {
        const s = this.state;
        const verification = s.verification ?? { dueAt: this.now(), overdue: false };
        s.verification = {
          ...verification,
          decidedAt: this.now(),
          approve: v.approve,
          underwriter: v.underwriter,
          notes: v.notes,
          ...(v.approve && { limit: v.limit ?? s.offeredLimit ?? 0 }),
        };
        if (!v.approve) {
          this.moveTo('declined');
          s.declineReasons = ['underwriter'];
          this.changed(
            'declined',
            'credit_line.declined',
            { by: 'underwriter', underwriter: v.underwriter },
            v.notes,
          );
          await this.recordSender();
          return s;
        }
        s.limit = s.verification.limit ?? 0;
        this.moveTo('active');
        this.openPeriod(Date.now(), 1);
        this.changed(
          'verified',
          'credit_line.verified',
          { underwriter: v.underwriter, limit: s.limit },
          v.notes,
        );
        await this.post({
          kind: 'credit_open',
          key: `${s.lineId}:open`,
          lineId: s.lineId,
          currency: s.currency,
          amount: s.limit,
        });
        await this.recordSender();
        return s;
      },
    },

    reserveDraw: {
      description:
        'Step 1 of a draw (the order’s payment by credit line): { orderId, reference, amount } holds the amount against the limit.',
      validate: (r) => {
        const s = this.state;
        const existing = s.draws.find((d) => d.drawId === drawIdOf(r));
        if (existing) {
          if (existing.amount !== r.amount) {
            refuse(
              LINE_INVALID,
              `draw ${existing.drawId} was reserved for ${existing.amount}, not ${r.amount}`,
            );
          }
          return;
        }
        if (s.status !== 'active' || r.amount > s.available) {
          refuse(
            CREDIT_UNAVAILABLE,
            s.status !== 'active'
              ? `the line is ${s.status}: it lends only while active`
              : `the line has ${s.available} available, less than ${r.amount}`,
            { available: s.available, lineStatus: s.status },
          );
        }
      },
      handle: (r) => {
        const drawId = drawIdOf(r);
        if (this.state.draws.some((d) => d.drawId === drawId)) return this.state;
        this.state.draws.push({
          drawId,
          orderId: r.orderId,
          reference: r.reference,
          amount: r.amount,
          status: 'reserved',
          reservedAt: this.now(),
          repaid: 0,
          overdue: false,
        });
        this.changed('draw_reserved', undefined, undefined, `${drawId}: ${r.amount}`);
        return this.state;
      },
    },

    confirmDraw: {
      description:
        'Step 3 of a draw: the order recorded the payment from lender:<lineId> into its escrow; the reservation becomes principal, due after the repayment term.',
      validate: (c) => {
        const draw = this.find(c);
        if (draw.status === 'released')
          refuse(LINE_WRONG_STATE, `draw ${draw.drawId} was released`, { status: draw.status });
      },
      handle: (c) => {
        const draw = this.find(c);
        if (draw.status !== 'reserved') return this.state;
        const now = Date.now();
        this.accrueTo(now);
        draw.status = 'outstanding';
        draw.drawnAt = new Date(now).toISOString();
        draw.dueAt = new Date(now + durationMs(this.state.terms.repaymentTerm)).toISOString();
        this.state.principal += draw.amount;
        if (this.state.period) this.state.period.draws += draw.amount;
        this.changed('drawn', 'credit_line.drawn', {
          drawId: draw.drawId,
          orderId: draw.orderId,
          amount: draw.amount,
          dueAt: draw.dueAt,
        });
        return this.state;
      },
    },

    releaseDraw: {
      description:
        'Step 3 of a draw that did not happen: the order refused the payment; the reservation is given back.',
      validate: (c) => {
        const draw = this.find(c);
        if (draw.status === 'outstanding' || draw.status === 'repaid') {
          refuse(LINE_WRONG_STATE, `draw ${draw.drawId} was drawn: it is repaid, not released`, {
            status: draw.status,
          });
        }
      },
      handle: (c) => {
        const draw = this.find(c);
        if (draw.status !== 'reserved') return this.state;
        draw.status = 'released';
        this.changed('draw_released', undefined, undefined, draw.drawId);
        return this.state;
      },
    },

    refundDraw: {
      description:
        'A refund of a financed order went to the line (escrow:<orderId> → lender:<lineId>): { orderId, reference, amount } repays that draw’s principal.',
      validate: (r) => {
        const draw = this.find(r);
        if (draw.status !== 'outstanding') {
          refuse(
            LINE_WRONG_STATE,
            `draw ${draw.drawId} is ${draw.status}: only an outstanding draw is refunded`,
            {
              status: draw.status,
            },
          );
        }
        if (r.amount > draw.amount - draw.repaid) {
          refuse(
            LINE_INVALID,
            `draw ${draw.drawId} owes ${draw.amount - draw.repaid}: a refund of ${r.amount} is more`,
          );
        }
      },
      handle: (r) => {
        const draw = this.find(r);
        this.accrueTo(Date.now());
        this.repayDraw(draw, r.amount);
        if (this.state.period) this.state.period.repayments += r.amount;
        this.changed('refunded', 'credit_line.repaid', {
          source: 'refund',
          drawId: draw.drawId,
          amount: r.amount,
        });
        this.unfreezeIfPaid();
        return this.state;
      },
    },

    repay: {
      description:
        'The buyer pays back: { amount, reference }. Interest due first, then the oldest draws’ principal.',
      validate: (r) => {
        const known = this.state.repayments[r.reference];
        if (known !== undefined) {
          if (known !== r.amount)
            refuse(LINE_INVALID, `repayment ${r.reference} was for ${known}, not ${r.amount}`);
          return;
        }
        this.require(LENDING_STATUSES, 'a repayment');
        const most = owed(this.state.interestDue, this.outstandingDraws());
        if (r.amount > most) {
          refuse(LINE_INVALID, `the line is owed ${most}: a repayment of ${r.amount} is more`, {
            owed: most,
          });
        }
      },
      handle: async (r) => {
        const s = this.state;
        if (s.repayments[r.reference] !== undefined) return s;
        s.repayments[r.reference] = r.amount;
        this.accrueTo(Date.now());
        const allocation = allocate(r.amount, s.interestDue, this.outstandingDraws());
        s.interestDue -= allocation.interest;
        let principal = 0;
        for (const part of allocation.principal) {
          this.repayDraw(s.draws.find((d) => d.drawId === part.drawId) as Draw, part.amount);
          principal += part.amount;
        }
        if (s.period) s.period.repayments += r.amount;
        this.changed('repaid', 'credit_line.repaid', {
          source: 'repayment',
          reference: r.reference,
          amount: r.amount,
          ...allocation,
        });
        this.unfreezeIfPaid();
        await this.post({
          kind: 'repayment',
          key: `${s.lineId}:repayment:${r.reference}`,
          lineId: s.lineId,
          currency: s.currency,
          buyerId: s.buyer.id,
          interest: allocation.interest,
          principal,
          reference: r.reference,
        });
        return s;
      },
    },

    close: {
      description: 'Closes the line when nothing is owed and no draw is in flight.',
      validate: () => {
        this.require(LENDING_STATUSES, 'closing');
        const s = this.state;
        if (s.principal > 0 || s.interestDue > 0 || s.reserved > 0) {
          refuse(
            LINE_WRONG_STATE,
            `the line still has principal ${s.principal}, interest due ${s.interestDue} and ${s.reserved} reserved: repay first`,
            { status: s.status },
          );
        }
        const accruing = this.accruedSoFar();
        if (accruing > 0) {
          refuse(
            LINE_WRONG_STATE,
            `interest of ${accruing} accrued since ${s.period?.from} is billed at the period's end (${s.period?.to}): repay it then, and close`,
            { status: s.status },
          );
        }
      },
      handle: async () => {
        const s = this.state;
        s.closedAt = this.now();
        this.moveTo('closed');
        this.changed('closed', 'credit_line.closed');
        await this.post({
          kind: 'credit_close',
          key: `${s.lineId}:close`,
          lineId: s.lineId,
          currency: s.currency,
        });
        return s;
      },
    },
  };

  /**
   * A financed order's refund moved money to the line (docs/credit.md#refunds): the amount is read
   * from the ledger, applied once per draw to what the draw still owes, like a repayment of it.
   */
  async applyRefund(step: DrawStep): Promise<void> {
    const s = this.state;
    const drawId = drawIdOf(step);
    if (s.refunds?.[drawId] !== undefined) return;
    this.inFlight++;
    let amount: number;
    try {
      ({ amount } = await effects.lineRefundOf({ lineId: s.lineId, ...step }));
    } finally {
      this.inFlight--;
      this.changes++;
    }
    // A second Signal for the draw may have read the ledger meanwhile.
    if (amount <= 0 || s.refunds?.[drawId] !== undefined) return;
    s.refunds = { ...s.refunds, [drawId]: amount };
    const draw = s.draws.find((d) => d.drawId === drawId && d.status === 'outstanding');
    const applied = draw ? Math.min(amount, draw.amount - draw.repaid) : 0;
    if (!draw || applied === 0) return;
    this.accrueTo(Date.now());
    this.repayDraw(draw, applied);
    if (s.period) s.period.repayments += applied;
    this.changed('refunded', 'credit_line.repaid', {
      source: 'refund',
      drawId,
      orderId: step.orderId,
      amount: applied,
    });
    this.unfreezeIfPaid();
  }

  private repayDraw(draw: Draw, amount: number): void {
    draw.repaid += amount;
    this.state.principal -= amount;
    if (draw.repaid === draw.amount) draw.status = 'repaid';
  }

  /** A frozen line whose overdue draws are all paid lends again. */
  private unfreezeIfPaid(): void {
    if (this.state.status !== 'frozen') return;
    if (this.state.draws.some((d) => d.status === 'outstanding' && d.overdue)) return;
    this.moveTo('active');
    this.changed('unfrozen', 'credit_line.unfrozen');
  }

  /** Whole minor units accrued in the open period up to now, not yet billed. */
  private accruedSoFar(): number {
    const p = this.state.period;
    if (!p || this.state.monthlyRateBps === null) return 0;
    const numerator = accrue(
      BigInt(p.accrued),
      this.state.principal,
      Date.now() - Date.parse(p.accruedAt),
      this.state.monthlyRateBps,
    );
    return postInterest(numerator).interest;
  }
}
