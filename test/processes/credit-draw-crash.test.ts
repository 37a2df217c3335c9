import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditLineQuery, creditLineWorkflowId } from '../../workflows/credit-line/model/messages.js';
import type { CreditLineSnapshot } from '../../workflows/credit-line/model/state.js';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { type ApiUnderTest, eventually, startApi } from '../support/api-client.js';
import { lineOverHttp } from '../support/credit-lines.js';
import { type EngineProcess, startWorkerProcess } from '../support/engine-processes.js';
import { acceptedUpdateIds, createHarness, type Harness, testContract } from '../support/harness.js';

/*
 * A draw into escrow is a saga over two workflows and the ledger (docs/credit.md#draws-into-escrow).
 * Here its worker is `npm run worker`, killed with SIGKILL at each step of the saga while the
 * payment is on its way; a new worker takes over. Whatever step it died in, the draw happens once:
 * the escrow is funded once from the lender, the line's principal is the draw, no reservation is
 * left, and the order, the line and the ledger say the same.
 */
let h: Harness;
let api: ApiUnderTest;
let worker: EngineProcess;
beforeAll(async () => {
  h = await createHarness();
  worker = await startWorkerProcess(h.taskQueue);
  api = await startApi(h);
}, 180_000);
afterAll(async () => {
  await api?.close();
  await worker?.kill();
  await h?.close();
});

const AMOUNT = 1_250_000;
const LIMIT = 10_000_000;
const lineOf = (lineId: string) =>
  h.client.workflow
    .getHandle(creditLineWorkflowId(lineId))
    .query(creditLineQuery) as Promise<CreditLineSnapshot>;

/** Polls without pause: the worker is killed as soon as the step is seen. */
async function until(reached: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await reached().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const drawOf = async (lineId: string, drawId: string) =>
  (await lineOf(lineId)).draws.find((d) => d.drawId === drawId);
const fundings = async (orderId: string) =>
  (await h.ledger.entries(orderId)).filter((e) => e.kind === 'funding');

interface Step {
  name: string;
  /** Resolves once the saga is at the step; may hold it there until `release`. */
  reach(s: { orderId: string; lineId: string; drawId: string }): Promise<{ release(): Promise<void> }>;
}

const nothingHeld = { release: async () => {} };

const STEPS: Step[] = [
  {
    name: 'the order accepted the payment; the line has not reserved yet',
    async reach({ orderId }) {
      await until(
        async () => (await acceptedUpdateIds(h.client.workflow.getHandle(workflowIdFor(orderId)))).length > 0,
        'the Update accepted',
      );
      return nothingHeld;
    },
  },
  {
    name: 'the line reserved; the ledger is funding the escrow (held mid-transaction)',
    async reach({ orderId, lineId, drawId }) {
      // The funding serialises on the order's totals row: holding it keeps the movement from committing.
      const lock: pg.PoolClient = await h.pool.connect();
      await lock.query('BEGIN');
      await lock.query(
        'INSERT INTO ledger_order_totals (order_id, currency) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING',
        [orderId, 'AUD'],
      );
      await lock.query('SELECT 1 FROM ledger_order_totals WHERE order_id = $1 FOR UPDATE', [orderId]);
      await until(async () => (await drawOf(lineId, drawId))?.status === 'reserved', 'the reservation');
      // The funding activity has started once its connection waits on the lock.
      await until(
        async () =>
          (
            await h.pool.query(
              "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ledger_order_totals%' AND pid <> pg_backend_pid()",
            )
          ).rowCount !== 0,
        'the funding waiting on the lock',
      );
      return {
        async release() {
          await lock.query('COMMIT');
          lock.release();
        },
      };
    },
  },
  {
    name: 'the ledger funded the escrow; the line has not confirmed yet',
    async reach({ orderId }) {
      await until(async () => (await fundings(orderId)).length > 0, 'the funding');
      return nothingHeld;
    },
  },
  {
    name: 'the line confirmed the draw; the order has not recorded the payment yet',
    async reach({ lineId, drawId }) {
      await until(async () => (await drawOf(lineId, drawId))?.status === 'outstanding', 'the confirmation');
      return nothingHeld;
    },
  },
];

describe('a draw into escrow when the worker is killed (SIGKILL) at each step of the saga', () => {
  it.each(STEPS)(
    'happens exactly once: $name',
    async (step) => {
      const application = await lineOverHttp(api);
      const contract = testContract({ buyer: { id: application.buyer.id }, currency: 'AUD', amount: AMOUNT });
      expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
      const ids = {
        orderId: contract.orderId,
        lineId: application.lineId,
        drawId: `${contract.orderId}:draw-1`,
      };
      const body = {
        amount: AMOUNT,
        reference: 'draw-1',
        method: 'credit_line',
        creditLineId: application.lineId,
      };
      const pay = () =>
        api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
          body,
          headers: { 'idempotency-key': 'draw-1' },
        });

      const first = pay();
      const held = await step.reach(ids);
      await worker.kill();
      await held.release();
      worker = await startWorkerProcess(h.taskQueue);
      // A marketplace retries what it did not get an answer for, with the same key.
      const answered = await first;
      const final =
        answered.status === 200 ? answered : await eventually(pay, (r) => r.status === 200, 120_000);
      expect(final.body).toMatchObject({ status: 'awaiting_shipment', funded: AMOUNT });
      expect(final.body.payments).toEqual([
        expect.objectContaining({ reference: 'draw-1', method: 'credit_line' }),
      ]);

      // The ledger: one funding, from the lender, and the lender's account down by the draw once.
      const [funding, ...more] = await fundings(contract.orderId);
      expect(more).toEqual([]);
      expect(funding?.legs).toEqual([
        { accountId: `lender:${application.lineId}`, amount: -AMOUNT },
        { accountId: `escrow:${contract.orderId}`, amount: AMOUNT },
      ]);
      const lender = await h.pool.query('SELECT balance FROM ledger_accounts WHERE id = $1', [
        `lender:${application.lineId}`,
      ]);
      expect(Number(lender.rows[0].balance)).toBe(LIMIT - AMOUNT);
      // The line: its principal is its one draw, nothing reserved, and it agrees with the ledger.
      const line = await eventually(
        () => lineOf(application.lineId),
        (l) => l.principal === AMOUNT,
        60_000,
      );
      expect(line).toMatchObject({ principal: AMOUNT, reserved: 0, available: LIMIT - AMOUNT });
      expect(line.draws).toEqual([
        expect.objectContaining({ drawId: ids.drawId, status: 'outstanding', amount: AMOUNT }),
      ]);
      // The order: the payment points at the ledger's one funding.
      expect(final.body.payments[0].transactionId).toBe(funding?.transactionId);
    },
    300_000,
  );
});
