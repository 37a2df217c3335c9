import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTracing } from '../../config/tracing.js';
import {
  acceptGoodsUpdate,
  addStatementUpdate,
  answerExtensionUpdate,
  arbitrateUpdate,
  cancelUpdate,
  fileClaimUpdate,
  orderQuery,
  proposeExtensionUpdate,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordReturnDeliveryUpdate,
  recordReturnReceiptUpdate,
  recordReturnShipmentUpdate,
  recordShipmentUpdate,
  reversePaymentUpdate,
  settleUpdate,
  submitInspectionUpdate,
  workflowIdFor,
} from '../../workflows/model/messages.js';
import type { OrderSnapshot, OrderWorkflowInput } from '../../workflows/model/state.js';
import {
  at,
  createHarness,
  type Harness,
  startOrder,
  testContract,
  waitForStatus,
} from '../support/harness.js';
import { type History, historyFromJSON, historyToJSON } from '../support/histories.js';
import {
  conformingReport,
  deliveredOrder,
  disputedOrder,
  fundedOrder,
  type OrderHandle,
  shippedOrder,
} from '../support/scenarios.js';

/*
 * Histories of completed orders, replayed against the current workflow code: a change that would
 * break an order already running in production fails here instead (use `patched()` for it).
 * `npm run test:record-histories` records them again; see docs/development.md#replaying-recorded-histories.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const RECORDING = process.env.RECORD_HISTORIES === '1';
/** RECORD_ONLY=<file>,traced/<file>,… records only those scenarios, leaving the other fixtures as they are. */
const RECORD_ONLY = process.env.RECORD_ONLY?.split(',');

const ship = { carrier: 'Maersk', trackingNumber: 'MSKU1234565' };
const torn = {
  reason: 'damaged' as const,
  description: 'bags torn and mouldy',
  requestedRefund: 300_000,
  evidence: [{ uri: 'https://files.example.com/torn.jpg' }],
};
const say = (party: 'buyer' | 'supplier', text: string) => ({
  party,
  text,
  evidence: [{ uri: `https://files.example.com/${party}.pdf` }],
});

/**
 * One order per outcome and, where the path through the workflow differs, per reason; a suffix
 * names a further path to the same outcome and reason. Deadlines are seconds away but not fewer
 * than a loaded machine needs for the steps before them.
 */
const SCENARIOS: { file: string; drive(h: Harness): Promise<OrderHandle> }[] = [
  {
    file: 'released-buyer_accepted',
    async drive(h) {
      const { handle } = await deliveredOrder(h);
      await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      return handle;
    },
  },
  {
    // Overfunded, so that the release is followed by an excess refund.
    file: 'released-inspection_lapsed',
    async drive(h) {
      const { handle } = await fundedOrder(h, { inspectionWindow: 'PT1S' });
      await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 10_000, reference: 'wire-2' }] });
      await handle.executeUpdate(recordShipmentUpdate, { args: [ship] });
      await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
      return handle;
    },
  },
  {
    file: 'released-claim_withdrawn',
    async drive(h) {
      const { handle } = await disputedOrder(h);
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'withdraw_claim' }] });
      return handle;
    },
  },
  {
    // Only the deposit was paid: the refund returns what escrow holds.
    file: 'refunded-late_shipment',
    async drive(h) {
      return (await fundedOrder(h, { deposit: 250_000, fundBy: at(8_000), shipBy: at(10_000) })).handle;
    },
  },
  {
    file: 'refunded-claim_accepted',
    async drive(h) {
      const { handle } = await disputedOrder(h);
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'supplier', action: 'accept_claim', returnGoods: false }],
      });
      return handle;
    },
  },
  {
    file: 'refunded-supplier_cancelled',
    async drive(h) {
      const { handle } = await fundedOrder(h);
      await handle.executeUpdate(cancelUpdate, { args: [{ party: 'supplier', reason: 'out of stock' }] });
      return handle;
    },
  },
  {
    // Not delivered by deliverBy, no negotiation window: straight to arbitration.
    file: 'refunded-arbitration',
    async drive(h) {
      const { handle } = await shippedOrder(h, {
        fundBy: at(10_000),
        shipBy: at(12_000),
        deliverBy: at(15_000),
        negotiationWindow: 'PT0S',
      });
      await waitForStatus(handle, 'arbitration');
      // Delivered after all, while the arbitrator decides: recorded for them, the order stays.
      await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
      await handle.executeUpdate(addStatementUpdate, { args: [say('supplier', 'delivered late')] });
      await handle.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'refund', arbitrator: 'arb-1', rationale: 'never delivered' }],
      });
      return handle;
    },
  },
  {
    // No deliverBy: the transit window is the delivery deadline.
    file: 'released-arbitration',
    async drive(h) {
      const { handle } = await shippedOrder(h, { transitWindow: 'PT2S', negotiationWindow: 'PT0S' });
      await waitForStatus(handle, 'arbitration');
      await handle.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'release', arbitrator: 'arb-1', rationale: 'carrier confirms delivery' }],
      });
      return handle;
    },
  },
  {
    file: 'split-settlement_agreed',
    async drive(h) {
      const { handle } = await disputedOrder(h);
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'supplier', action: 'offer', refundAmount: 300_000 }],
      });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'accept_offer' }] });
      return handle;
    },
  },
  {
    // Negotiation lapses, then the arbitration SLA: the decision comes after the overdue flag.
    file: 'split-arbitration',
    async drive(h) {
      const { handle } = await disputedOrder(h, { negotiationWindow: 'PT1S', arbitrationSla: 'PT1S' });
      await waitFor(handle, (s) => s.arbitration?.overdue === true);
      await handle.executeUpdate(arbitrateUpdate, {
        args: [
          { outcome: 'split', refundAmount: 400_000, arbitrator: 'arb-1', rationale: 'moisture 14.5 %' },
        ],
      });
      return handle;
    },
  },
  {
    // The balance passes its due date unpaid; the supplier cancels: the deposit goes back.
    file: 'refunded-balance_unpaid',
    async drive(h) {
      const { handle } = await fundedOrder(h, {
        deposit: 250_000,
        fundBy: at(5_000),
        balanceDueBy: at(8_000),
      });
      await waitFor(handle, (s) => s.balanceOverdue === true);
      await handle.executeUpdate(cancelUpdate, { args: [{ party: 'supplier', reason: 'balance unpaid' }] });
      return handle;
    },
  },
  {
    // An accepted extension restarts the shipBy timer at the new deadline, which then passes.
    file: 'refunded-late_shipment+extension_accepted',
    async drive(h) {
      const { handle, snapshot } = await fundedOrder(h, { fundBy: at(5_000), shipBy: at(8_000) });
      const until = new Date(Date.parse(snapshot.deadlines.shipBy) + 2_000).toISOString();
      await handle.executeUpdate(proposeExtensionUpdate, {
        args: [{ party: 'supplier', deadline: 'shipBy', until, reason: 'port strike' }],
      });
      await handle.executeUpdate(answerExtensionUpdate, {
        args: [{ extensionId: 'ext-1', party: 'buyer', action: 'accept' }],
      });
      return handle;
    },
  },
  {
    // A proposal still open when the status changes expires.
    file: 'released-buyer_accepted+extension_expired',
    async drive(h) {
      const { handle, snapshot } = await deliveredOrder(h);
      const until = new Date(Date.parse(snapshot.deadlines.inspectionEndsAt ?? '') + 60_000).toISOString();
      await handle.executeUpdate(proposeExtensionUpdate, {
        args: [{ party: 'buyer', deadline: 'inspection', until, reason: 'lab backlog' }],
      });
      await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      return handle;
    },
  },
  {
    // A partial payment that never reached the deposit is refunded.
    file: 'cancelled-unfunded',
    async drive(h) {
      const handle = await startOrder(
        h.client,
        h.taskQueue,
        testContract({ deposit: 500_000, fundBy: at(8_000) }),
      );
      await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 100_000, reference: 'wire-1' }] });
      return handle;
    },
  },
  {
    // An incomplete report is no acceptance; the buyer accepts explicitly.
    file: 'released-buyer_accepted+acceptance',
    async drive(h) {
      const { handle } = await deliveredOrder(h);
      await handle.executeUpdate(submitInspectionUpdate, {
        args: [{ measurements: { moisture: 10 }, receivedQuantity: 1000, evidence: [] }],
      });
      await handle.executeUpdate(acceptGoodsUpdate, { args: [{}] });
      return handle;
    },
  },
  {
    // The buyer's claim below what escrow covers, statements and offers of both sides, then accepted.
    file: 'split-claim_accepted',
    async drive(h) {
      const { handle } = await deliveredOrder(h);
      await handle.executeUpdate(fileClaimUpdate, { args: [torn] });
      await handle.executeUpdate(addStatementUpdate, { args: [say('supplier', 'packed intact')] });
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'buyer', action: 'offer', refundAmount: 250_000 }],
      });
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'supplier', action: 'offer', refundAmount: 100_000 }],
      });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'supplier', action: 'accept_claim' }] });
      return handle;
    },
  },
  {
    // The buyer accepts the supplier's offer of everything escrow covers: a refund.
    file: 'refunded-settlement_agreed',
    async drive(h) {
      const { handle } = await disputedOrder(h);
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'supplier', action: 'offer', refundAmount: 1_250_000 }],
      });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'accept_offer' }] });
      return handle;
    },
  },
  {
    // The buyer escalates at once; both sides state their case; the arbitrator splits.
    file: 'split-arbitration+escalated',
    async drive(h) {
      const { handle } = await disputedOrder(h);
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'buyer', action: 'escalate', reason: 'no' }],
      });
      await handle.executeUpdate(addStatementUpdate, { args: [say('buyer', 'moisture ruined it')] });
      await handle.executeUpdate(addStatementUpdate, { args: [say('supplier', 'within tolerance')] });
      await handle.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'split', refundAmount: 500_000, arbitrator: 'arb-2', rationale: 'both partly' }],
      });
      return handle;
    },
  },
  {
    // Not delivered by deliverBy; delivered late during the negotiation; inspected, claimed, withdrawn.
    file: 'released-claim_withdrawn+late-delivery',
    async drive(h) {
      const { handle } = await shippedOrder(h, {
        fundBy: at(10_000),
        shipBy: at(12_000),
        deliverBy: at(15_000),
      });
      await waitForStatus(handle, 'negotiation');
      await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
      await handle.executeUpdate(fileClaimUpdate, { args: [torn] });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'withdraw_claim' }] });
      return handle;
    },
  },
  {
    file: 'cancelled-buyer_cancelled',
    async drive(h) {
      const handle = await startOrder(h.client, h.taskQueue, testContract());
      await handle.executeUpdate(cancelUpdate, { args: [{ party: 'buyer', reason: 'changed supplier' }] });
      return handle;
    },
  },
];

const returned = { carrier: 'DHL', trackingNumber: 'JD0146000062' };
const unpacked = [{ uri: 'https://files.example.com/returns/unpacked.jpg' }];

/**
 * docs/spec.md#returns, recorded into returns/ (untraced): a full refund after delivery that waited
 * for the goods, through each of its ends.
 */
const RETURN_SCENARIOS: typeof SCENARIOS = [
  {
    file: 'refunded-returned',
    async drive(h) {
      const { handle } = await disputedOrder(h);
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'supplier', action: 'accept_claim' }] });
      await handle.executeUpdate(recordReturnShipmentUpdate, { args: [returned] });
      await handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] });
      await handle.executeUpdate(recordReturnReceiptUpdate, {
        args: [{ condition: 'as_sent', evidence: unpacked }],
      });
      return handle;
    },
  },
  {
    file: 'released-return_not_shipped',
    async drive(h) {
      const { handle } = await disputedOrder(h, { returns: { window: 'PT2S' } });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'supplier', action: 'accept_claim' }] });
      return handle;
    },
  },
  {
    file: 'refunded-return_receipt_lapsed',
    async drive(h) {
      const { handle } = await disputedOrder(h, { returns: { receiptWindow: 'PT2S' } });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'supplier', action: 'accept_claim' }] });
      await handle.executeUpdate(recordReturnShipmentUpdate, { args: [returned] });
      await handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] });
      return handle;
    },
  },
  {
    // The arbitrator's refund waits for the goods; the supplier finds the box empty; decided again.
    file: 'released-arbitration+return-contested',
    async drive(h) {
      const { handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
      await handle.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'refund', arbitrator: 'arb-1', rationale: 'moisture 14.5 %' }],
      });
      await handle.executeUpdate(recordReturnShipmentUpdate, { args: [returned] });
      await handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] });
      await handle.executeUpdate(recordReturnReceiptUpdate, {
        args: [{ condition: 'empty', evidence: unpacked, note: 'the box arrived empty' }],
      });
      await handle.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'release', arbitrator: 'arb-2', rationale: 'an empty box came back' }],
      });
      return handle;
    },
  },
  {
    // Shipped back but never delivered within the transit window: arbitration, whose refund settles at once.
    file: 'refunded-arbitration+return-not-delivered',
    async drive(h) {
      const { handle } = await disputedOrder(h, { deliverBy: at(150_000), transitWindow: 'PT2S' });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'supplier', action: 'accept_claim' }] });
      await handle.executeUpdate(recordReturnShipmentUpdate, { args: [returned] });
      await waitForStatus(handle, 'arbitration');
      await handle.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'refund', arbitrator: 'arb-1', rationale: 'lost on the way back' }],
      });
      return handle;
    },
  },
];

/** Commission and reversals (docs/spec.md#commission, #reversals), recorded into `fees/`. */
const FEES = { commissionBps: 250, minimum: 10_000 };
const FEE_SCENARIOS: typeof SCENARIOS = [
  {
    file: 'released-buyer_accepted+fee',
    async drive(h) {
      const { handle } = await deliveredOrder(h, { fees: FEES });
      await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      return handle;
    },
  },
  {
    file: 'split-settlement_agreed+fee',
    async drive(h) {
      const { handle } = await disputedOrder(h, { fees: FEES });
      await handle.executeUpdate(settleUpdate, {
        args: [{ party: 'supplier', action: 'offer', refundAmount: 300_000 }],
      });
      await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'accept_offer' }] });
      return handle;
    },
  },
  {
    file: 'cancelled-payment_reversed',
    async drive(h) {
      const { handle } = await fundedOrder(h, { fees: FEES });
      await handle.executeUpdate(reversePaymentUpdate, {
        args: [{ reference: 'wire-1', amount: 100_000, reason: 'chargeback' }],
      });
      return handle;
    },
  },
  {
    file: 'released-buyer_accepted+reversal-after-shipment',
    async drive(h) {
      const { handle } = await shippedOrder(h, { fees: FEES });
      await handle.executeUpdate(reversePaymentUpdate, {
        args: [{ reference: 'wire-1', amount: 250_000, reason: 'recall' }],
      });
      await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
      await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      return handle;
    },
  },
];

async function waitFor(handle: OrderHandle, done: (s: OrderSnapshot) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done(await handle.query(orderQuery))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`order ${handle.workflowId} did not reach the expected state in ${timeoutMs}ms`);
}

describe.runIf(RECORDING)('recording histories (RECORD_HISTORIES=1)', () => {
  let h: Harness;
  // Orders the API starts while tracing run with OpenTelemetry's interceptors (workflows/interceptors.ts),
  // which resolve their promises in other steps: each scenario is recorded once more in traced/.
  let traced: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await h.startWorker();
    traced = await createHarness({
      tracing: startTracing({ serviceName: 'escrow-api', spanProcessor: new NoopSpanProcessor() }),
    });
    await traced.startWorker();
  });
  afterAll(() => Promise.all([h?.close(), traced?.close()]));

  it('records one completed order per outcome and reason, untraced and traced', async () => {
    await mkdir(join(FIXTURES, 'traced'), { recursive: true });
    await mkdir(join(FIXTURES, 'returns'), { recursive: true });
    await mkdir(join(FIXTURES, 'fees'), { recursive: true });
    const recordings = [
      ...SCENARIOS.map((s) => ({ ...s, name: s.file, harness: h })),
      ...SCENARIOS.map((s) => ({ ...s, name: `traced/${s.file}`, harness: traced })),
      ...RETURN_SCENARIOS.map((s) => ({ ...s, name: `returns/${s.file}`, harness: h })),
      ...FEE_SCENARIOS.map((s) => ({ ...s, name: `fees/${s.file}`, harness: h })),
    ];
    await Promise.all(
      recordings
        .filter((r) => !RECORD_ONLY || RECORD_ONLY.includes(r.name))
        .map(async ({ file, name, drive, harness }) => {
          const handle = await drive(harness);
          const result = await handle.result();
          // A fixture named for an outcome must hold that outcome, or a race recorded another story.
          expect(file.split('+')[0]).toBe(`${result.outcome}-${result.reason}`);
          await writeFile(join(FIXTURES, `${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
        }),
    );
    expect(new Set(SCENARIOS.map((s) => s.file.split('-')[0]))).toEqual(
      new Set(['released', 'refunded', 'split', 'cancelled']),
    );
  });
});

// Read at collection, so that each folder is a test of its own with its own time: the histories of
// one version replay in one worker, and a slow folder names itself.
const FIXTURE_FILES = (await readdir(FIXTURES, { recursive: true }).catch(() => [] as string[]))
  .filter((f) => f.endsWith('.json'))
  .sort();
const folderOf = (file: string) =>
  file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : 'the top folder';
const FOLDERS = [...new Set(FIXTURE_FILES.map(folderOf))];

describe('replaying recorded histories', () => {
  it('has histories, each of one order', async () => {
    expect(FIXTURE_FILES, `no histories in ${FIXTURES}: run npm run test:record-histories`).not.toEqual([]);
    const ids = await Promise.all(
      FIXTURE_FILES.map(async (file) =>
        workflowIdOf(historyFromJSON(JSON.parse(await readFile(join(FIXTURES, file), 'utf8'))), file),
      ),
    );
    expect(new Set(ids).size, 'two fixtures hold the same order').toBe(FIXTURE_FILES.length);
  });

  // Subfolders keep the histories of earlier workflow versions, which must go on replaying too.
  it.each(FOLDERS)(
    'replays the histories of %s with the current workflow code without a determinism error',
    async (folder) => {
      const files = FIXTURE_FILES.filter((f) => folderOf(f) === folder);
      const histories = await Promise.all(
        files.map(async (file) => {
          const history = historyFromJSON(JSON.parse(await readFile(join(FIXTURES, file), 'utf8')));
          return { file, history, workflowId: workflowIdOf(history, file) };
        }),
      );
      const fileOf = new Map(histories.map((h) => [h.workflowId, h.file]));

      const replayed: string[] = [];
      const failures: string[] = [];
      for await (const result of Worker.runReplayHistories(
        {
          workflowBundle: { codePath: inject('workflowBundlePath') },
          // A replay exports nothing, but the traced orders name the sink of their spans.
          sinks: { exporter: { export: { fn: () => {} } } },
        },
        histories,
      )) {
        const file = fileOf.get(result.workflowId) ?? result.workflowId;
        replayed.push(file);
        if (result.error) failures.push(`${file}: ${result.error.name}: ${result.error.message}`);
      }
      expect(failures).toEqual([]);
      expect(replayed.sort()).toEqual(files);
    },
  );
});

describe('an order that shipped before it had a transit deadline', () => {
  /*
   * Recorded once across the upgrade: the code before 'transit-deadline' (commit 48b6ba0) funded and
   * shipped it without deliverBy, so it waited without a timer; the current code, woken by the
   * reviewDeadlines signal, gave it shippedAt + transitWindow (PT2S), which had passed: a
   * non-delivery dispute, straight to arbitration. The replay above proves the current code still
   * makes exactly these commands.
   */
  it('gets its delivery deadline when woken and opens the non-delivery dispute', async () => {
    const file = join(FIXTURES, 'shipped-before-transit-deadline', 'refunded-arbitration.json');
    const events = historyFromJSON(JSON.parse(await readFile(file, 'utf8'))).events ?? [];
    const signal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    const marker = events.findIndex((e) =>
      e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.some((p) =>
        Buffer.from(p.data ?? [])
          .toString()
          .includes('"transit-deadline"'),
      ),
    );
    expect(signal).toBeGreaterThan(0);
    expect(marker).toBeGreaterThan(signal);
    expect(events.findIndex((e, i) => i > marker && e.timerFiredEventAttributes)).toBeGreaterThan(marker);
    const completed = events.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    const result = defaultPayloadConverter.fromPayload<OrderSnapshot>(completed ?? {});
    expect(result.deadlines.deliverBy).toBe(
      new Date(Date.parse(result.shipment?.shippedAt ?? '') + 2_000).toISOString(),
    );
    expect(result.timeline.map((t) => t.event)).toEqual(
      expect.arrayContaining(['in_transit', 'delivery_deadline', 'not_delivered', 'arbitration']),
    );
    expect(result).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
  });
});

describe('orders whose full refund waited for the goods (returns-before-refund)', () => {
  /*
   * returns/ holds one history per end of a return; each recorded the patch where its refund was
   * decided, and no history recorded before it did: those decide and settle as they always did.
   */
  const marked = (history: History) =>
    (history.events ?? []).some((e) =>
      e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.some((p) =>
        Buffer.from(p.data ?? [])
          .toString()
          .includes('"returns-before-refund"'),
      ),
    );

  it('holds a return of each end, each with the marker, and no older order with it', async () => {
    const files = (await readdir(FIXTURES, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
    const returns = files.filter((f) => f.startsWith('returns/'));
    expect(returns).toEqual(RETURN_SCENARIOS.map((s) => `returns/${s.file}.json`).sort());
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(join(FIXTURES, file), 'utf8')));
      expect(marked(history), file).toBe(file.startsWith('returns/'));
    }
  });
});

/** An order replays under its own id; the program's workflows, one per task queue or run, under their file's. */
function workflowIdOf(history: History, file: string): string {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${file} does not start with the workflow's start`);
  if (started.workflowType?.name !== 'order') return `replay-${file}`;
  const payload = started.input?.payloads?.[0];
  if (!payload) throw new Error(`${file} does not start with the order's input`);
  const input = defaultPayloadConverter.fromPayload<OrderWorkflowInput>(payload);
  return workflowIdFor(input.contract.orderId);
}
