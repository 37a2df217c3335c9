import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupplierAssessment } from '../../activities/program-workflows.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { generatedId, generateSuppliers } from '../../scripts/bench/program-data.js';
import { ensureAssessmentSchedule } from '../../worker/assessment-schedule.js';
import { ASSESSMENT_WORKFLOW_TYPE, supplierEventsWorkflowId } from '../../workflows/model/program.js';
import { eventually } from '../support/api-client.js';
import { historyToJSON } from '../support/histories.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';
import { RawReceiver } from '../support/webhook-receiver.js';

const receiver = new RawReceiver();
const { deliveries } = receiver;
const secret = generateWebhookSecret();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

let p: ProgramUnderTest;
withProgram(
  (ready) => {
    p = ready;
  },
  { webhooks: () => ({ urls: [receiver.url('/hooks')], secrets: [secret] }) },
);

/** Suppliers whose status was `qualified` with no order in the window: an assessment makes them provisional. */
async function qualifiedWithoutOrders(count: number): Promise<string[]> {
  const prefix = `gen-${randomUUID().slice(0, 8)}-`;
  await generateSuppliers(p.h.pool, { prefix, count, status: 'qualified' });
  return Array.from({ length: count }, (_, i) => generatedId(prefix, i + 1));
}

/** Per supplier, the types of its stored events. */
async function eventsOf(ids: string[]): Promise<Map<string, string[]>> {
  const rows = await p.h.pool.query(
    'SELECT supplier_id, type FROM order_events WHERE supplier_id = ANY($1) ORDER BY supplier_id, sequence',
    [ids],
  );
  const byId = new Map<string, string[]>();
  for (const r of rows.rows) byId.set(r.supplier_id, [...(byId.get(r.supplier_id) ?? []), r.type]);
  return byId;
}

async function statuses(ids: string[]) {
  const rows = await p.h.pool.query(
    'SELECT status, status_reasons, assessed_at FROM suppliers WHERE supplier_id = ANY($1)',
    [ids],
  );
  return rows.rows as { status: string; status_reasons: string[]; assessed_at: Date }[];
}

describe('the supplier assessment', () => {
  it('is a Schedule created idempotently, whose run assesses every enrolled supplier', async () => {
    const scheduleId = `supplier-assessment-test-${randomUUID()}`;
    const options = { taskQueue: p.h.taskQueue, cron: '0 0 * * *', scheduleId };
    expect(await ensureAssessmentSchedule(p.h.client, options)).toBe('created');
    expect(await ensureAssessmentSchedule(p.h.client, options)).toBe('updated');
    const handle = p.h.client.schedule.getHandle(scheduleId);
    try {
      const described = await handle.describe();
      expect(described.action).toMatchObject({
        workflowType: ASSESSMENT_WORKFLOW_TYPE,
        taskQueue: p.h.taskQueue,
      });
      const ids = await qualifiedWithoutOrders(3);
      await handle.trigger();
      const started = await eventually(
        () => handle.describe(),
        (d) => d.info.recentActions.length > 0,
      );
      const run = started.info.recentActions[0]?.action.workflow.workflowId as string;
      const result = await p.h.client.workflow.getHandle(run).result();
      expect(result.assessed).toBeGreaterThanOrEqual(3);
      expect(await statuses(ids)).toEqual(
        ids.map(() => ({
          status: 'provisional',
          status_reasons: ['too_few_orders'],
          assessed_at: new Date(result.at),
        })),
      );
    } finally {
      await handle.delete();
    }
  });

  it('walks many suppliers in pages, continuing as new, and changes each once', async () => {
    const ids = await qualifiedWithoutOrders(230);
    const handle = await startSupplierAssessment(p.h.client, p.h.taskQueue, `assessment-${randomUUID()}`, {
      pageSize: 50,
      pagesPerRun: 2,
    });
    const result = await handle.result();
    expect(result.changed).toBeGreaterThanOrEqual(230);
    const firstRun = await p.h.client.workflow
      .getHandle(handle.workflowId, handle.firstExecutionRunId)
      .describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    const events = await eventsOf(ids);
    expect([...events.values()].every((types) => types.join() === 'supplier.status_changed')).toBe(true);
    expect(events.size).toBe(230);
  });

  it('completes once when its worker is restarted in the middle of it', async () => {
    const ids = await qualifiedWithoutOrders(3000);
    const handle = await startSupplierAssessment(p.h.client, p.h.taskQueue, `assessment-${randomUUID()}`, {
      pageSize: 100,
    });
    await eventually(
      async () => (await statuses(ids)).filter((s) => s.status === 'provisional').length,
      (n) => n >= 200,
      60_000,
    );
    await p.h.stopWorker();
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const partway = (await statuses(ids)).filter((s) => s.status === 'provisional').length;
    expect(partway).toBeLessThan(3000);
    await p.h.startWorker({
      program: p.settings,
      webhooks: { urls: [receiver.url('/hooks')], secrets: [secret] },
    });
    const result = await handle.result();
    const after = await statuses(ids);
    expect(after.every((s) => s.status === 'provisional' && s.assessed_at.toISOString() === result.at)).toBe(
      true,
    );
    const events = await eventsOf(ids);
    expect(events.size).toBe(3000);
    expect([...events.values()].every((types) => types.length === 1)).toBe(true);
    const runs = await eventually(
      async () => {
        const found: string[] = [];
        for await (const w of p.h.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` }))
          found.push(w.status.name);
        return found;
      },
      (found) => found.length === 1,
    );
    expect(runs).toEqual(['COMPLETED']);
    // A page the stopped worker had polled but not run waits out its start-to-close timeout (a minute).
  }, 180_000);

  it("delivers supplier events to the webhooks, signed, each supplier's in sequence", async () => {
    const supplierId = await p.enrol();
    await p.api.call('PUT', `/v1/suppliers/${supplierId}`, {
      body: { name: 'Renamed Mill', country: 'AT', enrolled: false },
    });
    const verifier = new Webhook(secret);
    const received = () =>
      deliveries
        .filter((d) => d.body.includes(supplierId))
        .map(
          (d) =>
            verifier.verify(d.body, d.headers) as { supplierId?: string; sequence: number; type: string },
        )
        .filter((e) => e.supplierId === supplierId);
    // In feed order: this supplier's events come after the thousands of the assessments above, which
    // a loaded machine delivers in about a minute.
    const mine = await eventually(
      async () => received(),
      (events) => new Set(events.map((e) => e.sequence)).size === 5,
      150_000,
    );
    const sequences = mine.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect([...new Set(mine.map((e) => `${e.sequence} ${e.type}`))]).toEqual([
      '1 supplier.enrolled',
      '2 supplier.status_changed',
      '3 supplier.limit_changed',
      '4 supplier.status_changed',
      '5 supplier.limit_changed',
    ]);
    // Every supplier's deliveries, those of the assessments above included, come in its sequence
    // (at least once: a repeated delivery is one the receiver has had, and it drops it by id).
    const bySupplier = new Map<string, number[]>();
    const ids = new Set<string>();
    for (const d of deliveries) {
      const e = JSON.parse(d.body) as { id: string; supplierId?: string; sequence: number };
      if (!e.supplierId || ids.has(e.id)) continue;
      ids.add(e.id);
      bySupplier.set(e.supplierId, [...(bySupplier.get(e.supplierId) ?? []), e.sequence]);
    }
    expect(bySupplier.size).toBeGreaterThan(3000);
    for (const seen of bySupplier.values()) expect(seen).toEqual([...seen].sort((a, b) => a - b));
  }, 180_000);
});

/*
 * The program's workflows run for as long as a marketplace does: their histories are replayed by
 * test/workflow/replay.test.ts with the other recorded ones. `npm run test:record-histories`
 * records them again, after the tests above have run the delivery workflow.
 */
describe.runIf(process.env.RECORD_HISTORIES === '1')(
  'recording the program workflows (RECORD_HISTORIES=1)',
  () => {
    it('records an assessment that continues as new, and the delivery of supplier events', async () => {
      const folder = new URL('../fixtures/histories/program/', import.meta.url);
      await mkdir(folder, { recursive: true });
      await qualifiedWithoutOrders(5);
      // The tests above enrolled thousands: two pages of half of them each, one page per run.
      const { rows } = await p.h.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM suppliers WHERE enrolled',
      );
      const handle = await startSupplierAssessment(p.h.client, p.h.taskQueue, `assessment-${randomUUID()}`, {
        pageSize: Math.ceil((rows[0]?.n ?? 0) / 2) + 1,
        pagesPerRun: 1,
      });
      await handle.result();
      const first = p.h.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
      const delivery = p.h.client.workflow.getHandle(supplierEventsWorkflowId(p.h.taskQueue));
      for (const [name, recorded] of [
        ['supplier-assessment', first],
        ['supplier-assessment+continued', handle],
        ['supplier-events', delivery],
      ] as const)
        await writeFile(new URL(`${name}.json`, folder), `${historyToJSON(await recorded.fetchHistory())}\n`);
    });
  },
);
