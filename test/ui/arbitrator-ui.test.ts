import { randomUUID } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addStatementUpdate,
  fileClaimUpdate,
  orderQuery,
  settleUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import { ArbitrationOverdueKey } from '../../workflows/model/search-attributes.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import { launchChromium } from '../support/chromium.js';
import {
  acceptedUpdateIds,
  createHarness,
  type Harness,
  waitForSnapshot,
  waitForStatus,
} from '../support/harness.js';
import { deliveredOrder, type OrderHandle, shippedOrder } from '../support/scenarios.js';
import { openUiPage, openUpdateDialog, refused, signPastedPayload } from '../support/web-ui.js';

/**
 * An arbitrator's day in the real Temporal Web UI of the run's dev server, driven through Chromium:
 * find the queue with saved views, read the case file, and decide each kind of case by copying its
 * payload out of the case file into the `arbitrate` Update, as docs/arbitrators.md tells.
 */

/** The screenshots of docs/arbitrators.md, refreshed with UPDATE_SCREENSHOTS=1. */
const SCREENSHOTS = {
  queue: 'arbitrator-queue.png',
  caseFile: 'arbitrator-case-file.png',
  dialog: 'arbitrator-update-dialog.png',
  decided: 'arbitrator-decided.png',
} as const;
const uiUrl = inject('temporalUiUrl');
// UI pages render client-side after several API calls: slow on a loaded 2-core machine.
const FUNDED = 1_250_000;

const MY_QUEUE = "WorkflowType = 'order' AND OrderStatus = 'arbitration'";
const OVERDUE = "WorkflowType = 'order' AND OrderStatus = 'arbitration' AND ArbitrationOverdue = true";

describe.skipIf(!uiUrl)('arbitrator in the Temporal Web UI', () => {
  let h: Harness;
  let api: ApiUnderTest;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createHarness();
    await h.startWorker();
    api = await startApi(h);
    browser = await launchChromium();
    page = await openUiPage(browser, uiUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await h?.close();
  });

  it('finds the queue with saved views, reads a lapsed quality case and splits it at the shortfall refund', {
    timeout: 300_000,
  }, async () => {
    const orderId = `PO-${randomUUID().slice(0, 8)}`;
    const { handle } = await deliveredOrder(h, {
      orderId,
      negotiationWindow: 'PT12S',
      arbitrationSla: 'P5D',
    });
    await handle.executeUpdate(submitInspectionUpdate, { args: [shortAndWetReport] });
    await handle.executeUpdate(addStatementUpdate, {
      args: [
        {
          party: 'buyer',
          text: 'Half the bags are damp to the touch; we cannot mill them as they are.',
          evidence: [{ uri: 'https://files.example/damp-bags.jpg', description: 'damp bags, row 3' }],
        },
      ],
    });
    // Three counter-offers, none accepted: the window passes.
    for (const [party, refundAmount] of [
      ['supplier', 40_000],
      ['buyer', 600_000],
      ['supplier', 150_000],
    ] as const) {
      await handle.executeUpdate(settleUpdate, { args: [{ party, action: 'offer', refundAmount }] });
    }
    await handle.executeUpdate(addStatementUpdate, {
      args: [
        {
          party: 'supplier',
          text: 'Loaded dry (certificate attached); the 50 kg are on the next truck.',
          evidence: [{ uri: 'https://files.example/moisture-cert.pdf', description: 'moisture certificate' }],
        },
      ],
    });
    await waitForStatus(handle, 'arbitration');
    await visibleTo(MY_QUEUE, handle.workflowId);

    await search(page, MY_QUEUE);
    await page.getByRole('button', { name: 'Save as New' }).click();
    const saveView = page.getByRole('dialog');
    await saveView.getByPlaceholder('Name of view').fill('My queue');
    await saveView.getByRole('button', { name: 'Save', exact: true }).click();
    await saveView.waitFor({ state: 'hidden' });
    // A second view from the first: change the query, Edit, Create Copy, which reads Create New
    // once the copy has a name of its own.
    await typeQuery(page, OVERDUE);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const editView = page.getByRole('dialog');
    await editView.getByRole('button', { name: 'Create Copy' }).waitFor();
    await editView.getByPlaceholder('Name of view').fill('Overdue');
    await editView.getByRole('button', { name: 'Create New' }).click();
    await editView.waitFor({ state: 'hidden' });
    // Another day: each saved view brings its queue back.
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    await page.getByRole('button', { name: 'Overdue', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('query') === OVERDUE);
    await page.getByRole('button', { name: 'My queue', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('query') === MY_QUEUE);
    await showQueueColumns(page);
    const row = page.getByRole('row').filter({ hasText: handle.workflowId });
    await row.getByText('USD', { exact: true }).waitFor();
    await row.getByText(String(FUNDED), { exact: true }).waitFor();
    // The last column, the supplier, fits on the page beside the saved views.
    const supplier = await row.getByText('supplier-1', { exact: true }).boundingBox();
    expect((supplier?.x ?? Infinity) + (supplier?.width ?? 0)).toBeLessThanOrEqual(
      page.viewportSize()?.width ?? 0,
    );
    await screenshot(page, SCREENSHOTS.queue);
    await page.getByRole('link', { name: handle.workflowId, exact: true }).click();
    await page.getByRole('heading', { name: handle.workflowId }).waitFor();

    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const summary = page.frameLocator('iframe[title="output"]').first();
    await summary
      .getByText(`Order ${orderId}: USD 12,500.00, Steel Supplier (supplier-1) → Acme Buyer (buyer-1)`)
      .waitFor();
    const details = page.frameLocator('iframe[title="output"]').nth(1);
    await details
      .getByText(/windows: transit 60 days, inspection 1 minute, negotiation 12 seconds/)
      .waitFor();
    const caseFile = page.frameLocator('iframe[title="output"]').last();
    await caseFile.getByRole('heading', { name: `Order ${orderId}: arbitration, decision due by` }).waitFor();
    await caseFile
      .getByRole('heading', { name: /^Dispute: quality, opened \d+ \w{3} \d{4}, \d\d:\d\d UTC$/ })
      .waitFor();
    await caseFile.getByText(/Requested refund USD 12,500\.00 \(1250000\)/).waitFor();
    await caseFile.getByRole('heading', { name: 'Evaluation: 2 violations of the contract' }).waitFor();
    const violations = caseFile.getByRole('table').filter({ hasText: 'contract expects' });
    expect(await rows(violations)).toEqual([
      ['term', 'contract expects', 'inspection found'],
      ['moisture', '≤ 12 %', '14.5 %'],
      ['quantity', '≥ 980 kg (1000 kg ordered, 2% tolerance)', '950 kg'],
    ]);
    await caseFile
      .getByText('Suggested pro-rata refund for the quantity shortfall: USD 625.00 (62500)')
      .waitFor();
    await caseFile.getByText('floor(covered × shortfall / ordered)').waitFor();
    // Evidence shows its address, not only a description to hover.
    await caseFile
      .getByRole('link', { name: 'https://inspections.example/sgs/4411.pdf', exact: true })
      .waitFor();
    await caseFile.getByText('SGS lab report 4411:').waitFor();
    await caseFile.getByRole('heading', { name: 'What happened, oldest first' }).waitFor();
    const thread = await threadOf(caseFile);
    expect(thread.map(withoutTime)).toEqual([
      '**supplier** shipped with Maersk, tracking MSKU1234565',
      'delivered',
      '**buyer** submits the inspection report (inspector SGS): 2 violations of the contract (below)',
      'the inspection report opens a claim for the buyer: quality, refund of USD 12,500.00 (1250000) requested (above)',
      '**buyer** states: Half the bags are damp to the touch; we cannot mill them as they are. Evidence: damp bags, row 3: https://files.example/damp-bags.jpg',
      "**supplier** offers a refund of USD 400.00 (40000): replaced by the buyer's offer",
      "**buyer** offers a refund of USD 6,000.00 (600000): replaced by the supplier's offer",
      '**supplier** offers a refund of USD 1,500.00 (150000): lapsed unaccepted when the negotiation ended',
      '**supplier** states: Loaded dry (certificate attached); the 50 kg are on the next truck. Evidence: moisture certificate: https://files.example/moisture-cert.pdf',
      "the negotiation window (12 seconds) ends without agreement: the buyer did not accept the supplier's last offer (3 offers in all); the case goes to arbitration",
    ]);
    await caseFile.getByRole('heading', { name: 'How to decide' }).waitFor();
    await caseFile.getByText(/Never Reset or Terminate an order/).waitFor();
    // The automatic claim asks for everything: the case file says so and offers the shortfall split.
    await caseFile
      .getByText(/The claim asks for everything escrow covers, USD 12,500\.00 \(1250000\)/)
      .waitFor();
    await caseFile.getByText('the decision is due by', { exact: false }).waitFor();
    await screenshotCaseFile(page, SCREENSHOTS.caseFile);

    const rationale = 'SGS report: 50 kg short and moisture above 12 %; refund the shortfall';
    const copied = await copyPayload(page, caseFile, '"refundAmount":62500');
    expect(copied).toEqual({ outcome: 'split', refundAmount: 62_500, arbitrator: '', rationale: '' });
    await decideInUi(page, { arbitrator: 'arb-ui-1', rationale }, SCREENSHOTS.dialog);

    const closed = await handle.result();
    expect(closed).toMatchObject({
      status: 'closed',
      outcome: 'split',
      reason: 'arbitration',
      decision: { outcome: 'split', refundAmount: 62_500, arbitrator: 'arb-ui-1', rationale },
    });
    // The result leaves the timeline out (ClosedOrder): the order as it closed is its Query's.
    expect((await handle.query(orderQuery)).timeline).toContainEqual(
      expect.objectContaining({
        event: 'arbitration_decision',
        detail: `split 62500 by arb-ui-1: ${rationale}`,
      }),
    );
    const ledger = await h.ledger.entries(orderId);
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', FUNDED],
      ['refund', 62_500],
      ['release', FUNDED - 62_500],
    ]);
    expect(ledger[1]?.memo).toBe(
      `arbitration: arbitrator arb-ui-1 decided split with a refund of USD 625.00 (62500): ${rationale} (the sender declared no identity)`,
    );

    const decided = await caseFileAfterDecision(page, orderId, 'closed (split, arbitration)');
    await decided
      .getByRole('heading', { name: 'Decision: split, refund of USD 625.00 (62500) to the buyer' })
      .waitFor();
    await decided.getByText(/refund to the buyer: USD 625\.00 \(62500\) on/).waitFor();
    await decided.getByText(/release to the supplier: USD 11,875\.00 \(1187500\) on/).waitFor();
    await screenshotCaseFile(page, SCREENSHOTS.decided);

    const viaApi = await api.call('GET', `/v1/orders/${orderId}`, { as: 'reader' });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body).toMatchObject({
      status: 'closed',
      outcome: 'split',
      decision: { arbitrator: 'arb-ui-1', refundAmount: 62_500 },
      arbitration: { cause: 'negotiation_lapsed' },
    });
  });

  it('reads who escalated a damage claim and why, and splits it at the refund the claim requests', {
    timeout: 300_000,
  }, async () => {
    const orderId = `PO-${randomUUID().slice(0, 8)}`;
    const { handle } = await deliveredOrder(h, { orderId, arbitrationSla: 'P5D' });
    const photo = {
      uri: 'https://files.example/torn-bags.jpg',
      sha256: 'ab'.repeat(32),
      description: 'torn bags',
    };
    await handle.executeUpdate(fileClaimUpdate, {
      args: [
        {
          reason: 'damaged',
          description: 'Forty bags arrived torn, their contents wet.',
          requestedRefund: 250_000,
          evidence: [photo],
        },
      ],
    });
    await handle.executeUpdate(settleUpdate, {
      args: [{ party: 'supplier', action: 'escalate', reason: 'the bags left our warehouse intact' }],
    });
    await waitForStatus(handle, 'arbitration');
    await openCaseFile(page, handle);
    const caseFile = page.frameLocator('iframe[title="output"]').last();
    await caseFile.getByRole('heading', { name: /^Dispute: damaged goods, opened / }).waitFor();
    await caseFile.getByText(/Requested refund USD 2,500\.00 \(250000\)/).waitFor();
    await caseFile.getByRole('link', { name: photo.uri, exact: true }).waitFor();
    await caseFile.getByText(photo.sha256).waitFor();
    const thread = await threadOf(caseFile);
    expect(thread.map(withoutTime).slice(2)).toEqual([
      '**buyer** files a claim: damaged goods, refund of USD 2,500.00 (250000) requested (above)',
      '**supplier** escalates to arbitration: the bags left our warehouse intact',
    ]);
    await caseFile.getByText(/Split at the claim['’]s requested refund/).waitFor();
    expect(await caseFile.getByText(/negotiation window .* ends/).count()).toBe(0);

    const copied = await copyPayload(page, caseFile, '"refundAmount":250000');
    expect(copied).toEqual({ outcome: 'split', refundAmount: 250_000, arbitrator: '', rationale: '' });
    await decideInUi(page, { arbitrator: 'arb-ui-3', rationale: 'torn on arrival, usable at a discount' });
    expect(await handle.result()).toMatchObject({ outcome: 'split', decision: { refundAmount: 250_000 } });
    expect((await h.ledger.entries(orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', FUNDED],
      ['refund', 250_000],
      ['release', FUNDED - 250_000],
    ]);
    const decided = await caseFileAfterDecision(page, orderId, 'closed (split, arbitration)');
    await decided.getByText(/release to the supplier: USD 10,000\.00 \(1000000\) on/).waitFor();
  });

  it('refuses a bad decision in the dialog without a trace, then refunds an overdue non-delivery', {
    timeout: 300_000,
  }, async () => {
    const { input, handle } = await shippedOrder(h, {
      transitWindow: 'PT2S',
      negotiationWindow: 'PT0S',
      arbitrationSla: 'PT1S',
    });
    await waitForSnapshot(handle, (s) => s.arbitration?.overdue === true);
    await visibleTo(OVERDUE, handle.workflowId);
    const acceptedBefore = await acceptedUpdateIds(handle);

    await search(page, OVERDUE);
    await page.getByRole('link', { name: handle.workflowId, exact: true }).click();
    await page.getByRole('heading', { name: handle.workflowId }).waitFor();
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const caseFile = page.frameLocator('iframe[title="output"]').last();
    await caseFile.getByRole('heading', { name: /arbitration, OVERDUE since/ }).waitFor();
    await caseFile.getByRole('heading', { name: /^Dispute: not delivered, opened / }).waitFor();
    expect((await threadOf(caseFile)).map(withoutTime)).toEqual([
      '**supplier** shipped with Maersk, tracking MSKU1234565',
      'no delivery by the deadline: a claim opens for the buyer: not delivered, refund of USD 12,500.00 (1250000) requested (above)',
      'the contract has no negotiation window: the case goes to arbitration at once',
      expect.stringMatching(/^no decision by the due date, .*: the arbitrators were notified$/),
    ]);

    // The case file's payload, pasted without the arbitrator's id and reason.
    const refund = await copyPayload(page, caseFile, '"outcome":"refund"');
    let dialog = await openUpdateDialog(page, 'arbitrate');
    await page.keyboard.press('Control+V');
    await submit(page, dialog, refund.outcome);
    await refused(dialog, 'arbitrator: arbitrator must not be empty; rationale: rationale must not be empty');
    await dialog.getByText('Cancel', { exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    const everything = {
      outcome: 'split',
      refundAmount: FUNDED,
      arbitrator: 'arb-ui-2',
      rationale: 'all of it',
    };
    dialog = await openUpdateDialog(page, 'arbitrate');
    await page.keyboard.insertText(JSON.stringify(everything));
    await submit(page, dialog, everything.outcome);
    await refused(
      dialog,
      `refundAmount ${FUNDED} is out of range for a split: between 1 and ${FUNDED - 1} minor units (escrow covers ${FUNDED} of the order); use outcome "refund" or "release" for all or nothing`,
    );
    await dialog.getByText('Cancel', { exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    const snapshot = await handle.query(orderQuery);
    expect(snapshot).toMatchObject({ status: 'arbitration', arbitration: { overdue: true } });
    expect(snapshot.decision).toBeUndefined();
    expect(await acceptedUpdateIds(handle)).toEqual(acceptedBefore);
    expect((await h.ledger.entries(input.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', FUNDED],
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(ArbitrationOverdueKey)).toBe(true);

    // Decided, the case leaves the overdue queue and its case file is no longer overdue.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await copyPayload(page, caseFile, '"outcome":"refund"');
    await decideInUi(page, { arbitrator: 'arb-ui-2', rationale: 'no proof of delivery' });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
    expect((await handle.describe()).typedSearchAttributes.get(ArbitrationOverdueKey)).toBe(false);
    const decided = await caseFileAfterDecision(page, input.orderId, 'closed (refunded, arbitration)');
    await decided.getByRole('heading', { name: 'Decision: refund' }).waitFor();
    await decided.getByText(/refund to the buyer: USD 12,500\.00 \(1250000\) on/).waitFor();
  });

  /** The list page only shows what visibility has indexed: wait for it rather than reload the UI. */
  async function visibleTo(query: string, workflowId: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      for await (const w of h.client.workflow.list({ query: `${query} AND WorkflowId = '${workflowId}'` })) {
        if (w.workflowId === workflowId) return;
      }
      if (Date.now() > deadline) throw new Error(`${workflowId} never matched ${query}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});

/** The report of a delivery that is both short (950 of 1000 kg, 2 % tolerance) and too wet. */
const shortAndWetReport = {
  measurements: { moisture: 14.5, grade: 'A' },
  receivedQuantity: 950,
  evidence: [
    { uri: 'https://inspections.example/sgs/4411.pdf', description: 'SGS lab report 4411' },
    { uri: 'https://inspections.example/sgs/4411-photos.zip', description: 'photos of the unloading' },
  ],
  inspector: 'SGS',
  notes: 'Moisture averaged over 5 samples. 50 kg missing against the delivery note.',
};

/** Types a visibility query into the workflow list's raw query box, as an arbitrator would. */
async function search(page: Page, query: string) {
  await page.goto(`${uiUrl}/namespaces/default/workflows`);
  await typeQuery(page, query);
}

async function typeQuery(page: Page, query: string) {
  const box = page.getByPlaceholder('Enter a query');
  // The only handle the "show raw query" toggle has is its test id: it is an icon without a label.
  if (!(await box.isVisible())) await page.getByTestId('toggle-manual-query').click();
  await box.fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('query') === query);
}

/** The gear under the list: the columns of docs/arbitrators.md, and none that push them off the page. */
async function showQueueColumns(page: Page) {
  await page.getByTestId('workflows-summary-table-configuration-button').click();
  for (const column of ['Status', 'Run ID', 'Type', 'Start', 'End']) {
    await page.getByRole('button', { name: `Remove ${column} column` }).click();
  }
  for (const column of ['ArbitrationDueAt', 'EscrowAmount', 'OrderCurrency', 'BuyerId', 'SupplierId']) {
    await page.getByRole('button', { name: `Add ${column} column` }).click();
  }
  await page.getByRole('button', { name: 'Close Workflows Table configuration' }).click();
}

async function openCaseFile(page: Page, handle: OrderHandle) {
  await page.goto(`${uiUrl}/namespaces/default/workflows/${handle.workflowId}`);
  await page.getByRole('tab', { name: 'User Metadata' }).click();
}

/**
 * Selects the code block that holds `fragment` with a triple click and copies it with Ctrl+C, as
 * the case file tells; answers what the clipboard holds.
 */
async function copyPayload(page: Page, caseFile: FrameLocator, fragment: string) {
  const code = caseFile.locator('pre code', { hasText: fragment });
  await code.scrollIntoViewIfNeeded();
  await code.click({ clickCount: 3 });
  await page.keyboard.press('Control+C');
  const copied = String(await page.evaluate('navigator.clipboard.readText()'));
  expect(copied.trim()).toBe((await code.textContent())?.trim());
  return JSON.parse(copied) as Record<string, unknown> & { outcome: string };
}

async function submit(page: Page, dialog: Locator, outcome: string) {
  // The editor re-formats the JSON when it loses focus and the dialog grows: a click on Submit
  // that also takes the focus away would land where the button was, not where it is.
  await dialog.getByRole('textbox').last().blur();
  await dialog.getByText(`"outcome": "${outcome}"`).waitFor();
  await page.getByRole('dialog', { name: 'Send an Update' }).getByRole('button', { name: 'Submit' }).click();
}

/**
 * Pastes the copied payload into the arbitrate Update and types the arbitrator's id and reason
 * between the empty quotes it leaves for them (the payload ends `"arbitrator":"","rationale":""}`).
 */
async function decideInUi(page: Page, sign: { arbitrator: string; rationale: string }, shot?: string) {
  const dialog = await openUpdateDialog(page, 'arbitrate');
  await page.keyboard.press('Control+V');
  await signPastedPayload(page, { who: sign.arbitrator, why: { key: 'rationale', value: sign.rationale } });
  await dialog.getByRole('textbox').last().blur();
  await dialog.getByText(`"arbitrator": "${sign.arbitrator}"`).waitFor();
  await dialog.getByText(`"rationale": "${sign.rationale}"`).waitFor();
  if (shot) await screenshot(page, shot);
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByText('Update successful').waitFor();
}

/**
 * The case file once the order closed, as the arbitrator sees it back on the User Metadata tab (the
 * UI fetches Current Details when the tab opens and on R): the decision, and nothing still due.
 */
async function caseFileAfterDecision(page: Page, orderId: string, state: string): Promise<FrameLocator> {
  const caseFile = page.frameLocator('iframe[title="output"]').last();
  await page.getByRole('tab', { name: 'User Metadata' }).click();
  await caseFile.getByRole('heading', { name: `Order ${orderId}: ${state}` }).waitFor();
  await caseFile.getByRole('heading', { name: 'Payouts' }).waitFor();
  expect(await caseFile.locator('body').textContent()).not.toMatch(/overdue|due by|ends \d/i);
  for (const gone of ['Deadlines', 'Decide', 'How to decide']) {
    expect(await caseFile.getByRole('heading', { name: gone, exact: true }).count()).toBe(0);
  }
  return caseFile;
}

/**
 * The thread's entries as the page shows them, each on one line: an entry is the paragraph that
 * starts with its time in bold, and the quote and evidence under it.
 */
async function threadOf(caseFile: FrameLocator): Promise<string[]> {
  const heading = caseFile.getByRole('heading', { name: 'What happened, oldest first' });
  await heading.waitFor();
  return heading.evaluate((h3) => {
    const entries: string[] = [];
    for (let el = h3.nextElementSibling; el && el.tagName !== 'H3'; el = el.nextElementSibling) {
      // Bold reads as Markdown's **…**, so that the expectations read like the case file's source.
      const copy = el.cloneNode(true) as typeof el;
      for (const strong of copy.querySelectorAll('strong')) strong.replaceWith(`**${strong.textContent}**`);
      // The UI's Markdown sets apostrophes typographically.
      const text = (copy.textContent ?? '').replace(/\s+/g, ' ').replaceAll('’', "'").trim();
      if (/^\*\*\d+ \w{3} \d{4}, \d\d:\d\d UTC\*\*: /.test(text)) entries.push(text);
      else if (entries.length > 0) entries[entries.length - 1] += ` ${text}`;
    }
    return entries;
  });
}

function withoutTime(entry: string): string {
  return entry.replace(/^\*\*\d+ \w{3} \d{4}, \d\d:\d\d UTC\*\*: /, '');
}

async function rows(table: Locator): Promise<string[][]> {
  const cells = await Promise.all(
    (await table.getByRole('row').all()).map((row) => row.locator('th, td').allTextContents()),
  );
  return cells.map((row) => row.map((cell) => cell.trim()));
}

async function screenshot(page: Page, name: string) {
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}` });
  if (process.env.UPDATE_SCREENSHOTS) await copyFile(`test-results/${name}`, `docs/${name}`);
}

/** The case file as docs/arbitrators.md shows it: the User Metadata tab, tall enough to show all of it. */
async function screenshotCaseFile(page: Page, name: string) {
  const frame = page.locator('iframe[title="output"]').last();
  const box = await frame.boundingBox();
  await page.setViewportSize({
    width: 1400,
    height: Math.max(1000, Math.ceil((box?.y ?? 0) + (box?.height ?? 0)) + 24),
  });
  await page.frameLocator('iframe[title="output"]').last().locator('body').waitFor();
  await screenshot(page, name);
  await page.setViewportSize({ width: 1400, height: 1000 });
}
