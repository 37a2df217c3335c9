import { mkdir, writeFile } from 'node:fs/promises';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderEventStore } from '../../db/order-event-store.js';
import { LINE_UPDATES } from '../../workflows/credit-line/model/messages.js';
import type { CreditLineSnapshot } from '../../workflows/credit-line/model/state.js';
import { DENOMINATOR } from '../../workflows/credit-line/rules/interest.js';
import { CreditLineStatusKey, VerificationOverdueKey } from '../../workflows/model/search-attributes.js';
import { type LineHandle, startLine, waitForLine } from '../support/credit-lines.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type History, historyToJSON } from '../support/histories.js';

const { verify, reserveDraw, confirmDraw, releaseDraw, refundDraw, repay, close } = LINE_UPDATES;
const RECORDING = process.env.RECORD_HISTORIES === '1';
const FIXTURES = new URL('../fixtures/histories/credit-line/', import.meta.url);
/** Lines whose histories `npm run test:record-histories` keeps, by fixture name. */
const recorded = new Map<string, LineHandle>();

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  if (RECORDING) {
    await mkdir(FIXTURES, { recursive: true });
    for (const [name, handle] of recorded) {
      await writeFile(new URL(`${name}.json`, FIXTURES), `${historyToJSON(await handle.fetchHistory())}\n`);
    }
  }
  await h?.close();
});

const approve = { approve: true, underwriter: 'uw-1', notes: 'bank statements match the revenue' };

async function activeLine(overrides: Parameters<typeof startLine>[1] = {}) {
  const handle = await startLine(h, overrides);
  await waitForLine(handle, (s) => s.status === 'verification');
  const line = await handle.executeUpdate(verify, { args: [approve] });
  return { handle, line };
}

async function failure(p: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
  return { type: cause.type, message: cause.message };
}

/** The formula of docs/credit.md#interest over the line's own history, in BigInt. */
function expectedInterest(pieces: { principal: number; ms: number }[], bps: number) {
  const n = pieces.reduce((s, p) => s + BigInt(p.principal) * BigInt(p.ms) * BigInt(bps), 0n);
  return Number(n / DENOMINATOR);
}

describe('a credit line', () => {
  it('is scored within seconds and waits for the underwriter, searchable by status', async () => {
    const started = Date.now();
    const handle = await startLine(h);
    const line = await waitForLine(handle, (s) => s.status === 'verification');
    expect(Date.parse(line.scoredAt ?? '') - Date.parse(line.appliedAt)).toBeLessThan(60_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(line).toMatchObject({ offeredLimit: 10_000_000, monthlyRateBps: 115, limit: 0, available: 0 });
    expect(line.scorecard?.factors.map((f) => f.factor)).toEqual([
      'years_trading',
      'revenue_cover',
      'trading_record',
      'claims_rejected',
      'payment_punctuality',
    ]);
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(CreditLineStatusKey)).toBe('verification');
    expect(typedSearchAttributes.get(VerificationOverdueKey)).toBe(false);
    recorded.set('verified-active', handle);
    const active = await handle.executeUpdate(verify, { args: [{ ...approve, limit: 8_000_000 }] });
    expect(active).toMatchObject({ status: 'active', limit: 8_000_000, available: 8_000_000 });
    expect(active.verification).toMatchObject({ underwriter: 'uw-1', approve: true });
    const ledger = await h.ledger.lineEntries(line.lineId);
    expect(ledger.map((t) => [t.kind, t.amount, t.legs])).toEqual([
      [
        'credit_open',
        8_000_000,
        [
          { accountId: 'capital:AUD', amount: -8_000_000 },
          { accountId: `lender:${line.lineId}`, amount: 8_000_000 },
        ],
      ],
    ]);
  });

  it('is declined by the scorecard with its reasons, and ends', async () => {
    const handle = await startLine(h, {
      business: { registrationNumber: 'X', yearsTrading: 0, annualRevenue: 1_000_000 },
    });
    const result = await handle.result();
    expect(result).toMatchObject({
      status: 'declined',
      declineReasons: ['score_below_threshold', 'years_trading', 'revenue_cover'],
    });
    expect((await new OrderEventStore(h.pool).forLine(result.lineId)).map((e) => e.type)).toEqual([
      'credit_line.applied',
      'credit_line.scored',
      'credit_line.declined',
    ]);
    recorded.set('declined-scorecard', handle);
  });

  it('refuses a bad verification clearly, without a trace in history', async () => {
    const handle = await startLine(h);
    await waitForLine(handle, (s) => s.status === 'verification');
    const accepted = async () =>
      ((await handle.fetchHistory()).events ?? []).filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      ).length;
    expect(
      await failure(handle.executeUpdate(verify, { args: [{ ...approve, limit: 20_000_000 }] })),
    ).toEqual({
      type: 'CreditLineInvalid',
      message: 'limit must be between 1 and the offered limit 10000000 (minor units), got 20000000',
    });
    expect(
      (await failure(handle.executeUpdate(verify, { args: [{ approve: true, notes: 'ok' } as never] })))
        .message,
    ).toBe('verify refused: underwriter: underwriter is required: who verified the documents');
    expect(await accepted()).toBe(0);
    const declined = await handle.executeUpdate(verify, {
      args: [{ approve: false, underwriter: 'uw-2', notes: 'statements do not match' }],
    });
    expect(declined).toMatchObject({ status: 'declined', declineReasons: ['underwriter'] });
    recorded.set('declined-underwriter', handle);
  });

  it('is flagged overdue when the underwriter’s target passes, with an event', async () => {
    const handle = await startLine(h, {}, { verificationTarget: 'PT2S' });
    await waitForLine(handle, (s) => s.verification?.overdue === true);
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(VerificationOverdueKey)).toBe(true);
    const line = await handle.executeUpdate(verify, { args: [approve] });
    expect(line.status).toBe('active');
    expect((await handle.describe()).typedSearchAttributes.get(VerificationOverdueKey)).toBe(false);
    const types = (await new OrderEventStore(h.pool).forLine(line.lineId)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['credit_line.verification_overdue', 'credit_line.verified']),
    );
    await handle.terminate('test done');
  });

  it('holds, confirms and releases draws by their business keys, once each', async () => {
    const { handle } = await activeLine();
    const draw = { orderId: 'o-1', reference: 'pay-1', amount: 3_000_000 };
    expect(await handle.executeUpdate(reserveDraw, { args: [draw] })).toMatchObject({
      reserved: 3_000_000,
      available: 7_000_000,
    });
    // The same step again (a crash between the two workflows) holds nothing more.
    expect(await handle.executeUpdate(reserveDraw, { args: [draw] })).toMatchObject({ reserved: 3_000_000 });
    expect(
      (await failure(handle.executeUpdate(reserveDraw, { args: [{ ...draw, amount: 1 }] }))).message,
    ).toBe('draw o-1:pay-1 was reserved for 3000000, not 1');
    const over = await failure(
      handle.executeUpdate(reserveDraw, { args: [{ orderId: 'o-2', reference: 'p', amount: 7_000_001 }] }),
    );
    expect(over).toEqual({
      type: 'CreditUnavailable',
      message: 'the line has 7000000 available, less than 7000001',
    });
    const step = { orderId: 'o-1', reference: 'pay-1' };
    const drawn = await handle.executeUpdate(confirmDraw, { args: [step] });
    expect(drawn).toMatchObject({ principal: 3_000_000, reserved: 0, available: 7_000_000 });
    expect(await handle.executeUpdate(confirmDraw, { args: [step] })).toMatchObject({ principal: 3_000_000 });
    expect((await failure(handle.executeUpdate(releaseDraw, { args: [step] }))).type).toBe(
      'CreditLineWrongState',
    );
    // A refund of the financed order repays that draw first.
    const refunded = await handle.executeUpdate(refundDraw, { args: [{ ...step, amount: 1_000_000 }] });
    expect(refunded).toMatchObject({ principal: 2_000_000, available: 8_000_000 });
    expect(refunded.draws.find((d) => d.drawId === 'o-1:pay-1')).toMatchObject({ repaid: 1_000_000 });
    expect(
      (await failure(handle.executeUpdate(refundDraw, { args: [{ ...step, amount: 2_000_001 }] }))).message,
    ).toBe('draw o-1:pay-1 owes 2000000: a refund of 2000001 is more');
    await handle.executeUpdate(reserveDraw, { args: [{ orderId: 'o-3', reference: 'p', amount: 1_000 }] });
    const released = await handle.executeUpdate(releaseDraw, { args: [{ orderId: 'o-3', reference: 'p' }] });
    expect(released).toMatchObject({ reserved: 0, principal: 2_000_000 });
    expect(
      (await failure(handle.executeUpdate(confirmDraw, { args: [{ orderId: 'o-3', reference: 'p' }] }))).type,
    ).toBe('CreditLineWrongState');
    expect(
      (await failure(handle.executeUpdate(confirmDraw, { args: [{ orderId: 'o-9', reference: 'p' }] }))).type,
    ).toBe('CreditLineUnknownDraw');
    await handle.terminate('test done');
  });

  it('bills exact interest at each statement, continues as new, and is repaid interest first', async () => {
    // A line large enough that three seconds bill whole minor units (about 40).
    const { handle } = await activeLine({
      requestedLimit: 3_000_000_000,
      business: { registrationNumber: 'ABN 1', yearsTrading: 12, annualRevenue: 200_000_000_000 },
      terms: { repaymentTerm: 'P60D', statementPeriod: 'PT3S' },
    });
    const drawn = await (async () => {
      await handle.executeUpdate(reserveDraw, {
        args: [{ orderId: 'o-1', reference: 'p', amount: 2_000_000_000 }],
      });
      return handle.executeUpdate(confirmDraw, { args: [{ orderId: 'o-1', reference: 'p' }] });
    })();
    const { runId } = await handle.describe();
    recorded.set('statement-continued-as-new', h.client.workflow.getHandle(handle.workflowId, runId));
    const billed = await waitForLine(handle, (s) => s.statements.length >= 1);
    const [first] = billed.statements as [CreditLineSnapshot['statements'][number]];
    const drawnAt = Date.parse(drawn.draws[0]?.drawnAt ?? '');
    expect(first.interest).toBe(
      expectedInterest([{ principal: 2_000_000_000, ms: Date.parse(first.to) - drawnAt }], 115),
    );
    expect(first).toMatchObject({ number: 1, opening: 0, draws: 2_000_000_000, repayments: 0 });
    expect(first.closing).toBe(first.opening + first.draws - first.repayments + first.interest);
    // The statement ends the run: the next one carries the line on.
    await waitForLine(handle, () => true);
    await expect.poll(async () => (await handle.describe()).runId, { timeout: 10_000 }).not.toBe(runId);

    // Read just before paying: a statement comes every three seconds and bills a little more.
    const before = await waitForLine(handle, () => true);
    const amount = before.interestDue + 1_000_000;
    const paid = await handle.executeUpdate(repay, { args: [{ amount, reference: 'r-1' }] });
    const ledger = await h.ledger.lineEntries(paid.lineId);
    const repayment = ledger.find((t) => t.kind === 'repayment');
    const interestPaid = repayment?.legs.find((l) => l.accountId === `borrower:${paid.lineId}`)?.amount ?? 0;
    expect(interestPaid).toBeGreaterThanOrEqual(before.interestDue);
    expect(repayment?.legs).toEqual([
      { accountId: `buyer:${paid.buyer.id}:AUD`, amount: -amount },
      { accountId: `borrower:${paid.lineId}`, amount: interestPaid },
      { accountId: `lender:${paid.lineId}`, amount: amount - interestPaid },
    ]);
    // Interest first: all of it is paid before any principal.
    expect(paid.interestDue).toBe(0);
    expect(paid.principal).toBe(2_000_000_000 - (amount - interestPaid));
    // The same reference again is the same repayment: nothing more is applied.
    const again = await handle.executeUpdate(repay, { args: [{ amount, reference: 'r-1' }] });
    expect(again.principal).toBe(paid.principal);
    expect((await h.ledger.lineEntries(paid.lineId)).filter((t) => t.kind === 'repayment')).toHaveLength(1);
    const tooMuch = await failure(
      handle.executeUpdate(repay, { args: [{ amount: 2_000_000_000, reference: 'r-2' }] }),
    );
    expect(tooMuch.type).toBe('CreditLineInvalid');
    expect(tooMuch.message).toMatch(/^the line is owed \d+: a repayment of 2000000000 is more$/);
    expect(ledger.find((t) => t.kind === 'interest')?.amount).toBe(first.interest);
    await handle.terminate('test done');
  });

  it('freezes when a draw is overdue, unfreezes when it is repaid, and closes when nothing is owed', async () => {
    const { handle } = await activeLine({ terms: { repaymentTerm: 'PT2S', statementPeriod: 'P30D' } });
    await handle.executeUpdate(reserveDraw, { args: [{ orderId: 'o-1', reference: 'p', amount: 100 }] });
    await handle.executeUpdate(confirmDraw, { args: [{ orderId: 'o-1', reference: 'p' }] });
    const frozen = await waitForLine(handle, (s) => s.status === 'frozen');
    expect(frozen.draws[0]).toMatchObject({ overdue: true });
    const refused = await failure(
      handle.executeUpdate(reserveDraw, { args: [{ orderId: 'o-2', reference: 'p', amount: 1 }] }),
    );
    expect(refused).toEqual({
      type: 'CreditUnavailable',
      message: 'the line is frozen: it lends only while active',
    });
    const repaid = await handle.executeUpdate(repay, { args: [{ amount: 100, reference: 'r-1' }] });
    expect(repaid).toMatchObject({ status: 'active', principal: 0 });
    // 100 minor units for 2 seconds at 1.15 % a month is far below one unit: nothing is billed, nothing owed.
    const closed = await handle.executeUpdate(close, { args: [{}] });
    expect(closed.status).toBe('closed');
    await handle.result();
    const types = (await new OrderEventStore(h.pool).forLine(closed.lineId)).map((e) => e.type);
    expect(types).toEqual([
      'credit_line.applied',
      'credit_line.scored',
      'credit_line.verified',
      'credit_line.drawn',
      'credit_line.overdue',
      'credit_line.frozen',
      'credit_line.repaid',
      'credit_line.unfrozen',
      'credit_line.closed',
    ]);
    const ledger = await h.ledger.lineEntries(closed.lineId);
    expect(ledger.map((t) => t.kind)).toEqual(['credit_open', 'repayment', 'credit_close']);
    recorded.set('closed-after-freeze', handle);
  });

  it('keeps every run small through 1,000 draws and repayments, continuing as new at each statement', async () => {
    const { handle } = await activeLine({ terms: { repaymentTerm: 'P60D', statementPeriod: 'PT5S' } });
    const first = (await handle.describe()).runId;
    // Ten orders at a time draw and repay, as a marketplace's would.
    for (let round = 0; round < 50; round++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const i = round * 10 + j;
          const step = { orderId: `o-${i}`, reference: 'p' };
          await handle.executeUpdate(reserveDraw, { args: [{ ...step, amount: 1_000 }] });
          await handle.executeUpdate(confirmDraw, { args: [step] });
          await handle.executeUpdate(repay, { args: [{ amount: 1_000, reference: `r-${i}` }] });
        }),
      );
    }
    const line = await waitForLine(handle, (s) => s.principal === 0);
    expect(line).toMatchObject({ reserved: 0, available: 10_000_000 });
    const repayments = (await h.ledger.lineEntries(line.lineId)).filter((t) => t.kind === 'repayment');
    expect(repayments).toHaveLength(500);

    // Every run from the first, along its continue-as-new links.
    const runs: { events: number; bytes: number }[] = [];
    for (let runId: string | undefined = first; runId; ) {
      const history: History = await h.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      runs.push({ events: events.length, bytes: historyToJSON(history).length });
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    const total = runs.reduce((sum, r) => sum + r.events, 0);
    const largest = Math.max(...runs.map((r) => r.bytes));
    console.log(
      `1,000 draws and repayments (1,500 Updates): ${runs.length} runs, ${total} events in all; the largest run ` +
        `${Math.max(...runs.map((r) => r.events))} events, ${(largest / 1024).toFixed(0)} KiB (limits: 51,200 events, 50 MiB)`,
    );
    expect(runs.length).toBeGreaterThan(1);
    expect(line.statements.length).toBeGreaterThan(0);
    // No run grows with the line's age: each stays far below Temporal's limits.
    expect(largest).toBeLessThan(10 * 1024 * 1024);
    await handle.terminate('test done');
  }, 600_000);
});
