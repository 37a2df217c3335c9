import { randomUUID } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addStatementUpdate,
  arbitrateUpdate,
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
import { deliveredOrder, disputedOrder } from '../support/scenarios.js';

/**
 * An arbitrator's day in the real Temporal Web UI of the run's dev server, driven through Chromium:
 * find the queue with a search, read the case file, decide with the `arbitrate` Update.
 */

const SCREENSHOT = 'docs/arbitrator-case-file.png';
const uiUrl = inject('temporalUiUrl');
// UI pages render client-side after several API calls: slow on a loaded 2-core machine.
const UI_TIMEOUT = 60_000;
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
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC' });
    page.setDefaultTimeout(UI_TIMEOUT);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await h?.close();
  });

  it('finds the order with the queue search, reads the case file and splits it', {
    timeout: 300_000,
  }, async () => {
    const orderId = `PO-${randomUUID().slice(0, 8)}`;
    const { handle } = await deliveredOrder(h, { orderId, negotiationWindow: 'PT5S', arbitrationSla: 'P5D' });
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
    await handle.executeUpdate(settleUpdate, {
      args: [{ party: 'supplier', action: 'offer', refundAmount: 40_000 }],
    });
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
    // Another day: the saved view brings the queue back.
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    await page.getByRole('button', { name: 'My queue' }).click();
    await page.waitForURL((url) => url.searchParams.get('query') === MY_QUEUE);
    await page.getByRole('link', { name: handle.workflowId, exact: true }).click();
    await page.getByRole('heading', { name: handle.workflowId }).waitFor();

    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const summary = page.frameLocator('iframe[title="output"]').first();
    await summary
      .getByText(`Order ${orderId}: USD 12,500.00, Steel Supplier (supplier-1) → Acme Buyer (buyer-1)`)
      .waitFor();
    const caseFile = page.frameLocator('iframe[title="output"]').last();
    await caseFile.getByRole('heading', { name: `Order ${orderId}: arbitration, decision due by` }).waitFor();
    await caseFile.getByRole('heading', { name: 'Evaluation: 2 violations of the contract' }).waitFor();
    const violations = caseFile.getByRole('table').filter({ hasText: 'contract expects' });
    expect(await rows(violations)).toEqual([
      ['term', 'contract expects', 'inspection found'],
      ['moisture', '≤ 12 %', '14.5 %'],
      ['quantity', '≥ 980 kg (1000 kg ordered, 2% tolerance)', '950 kg'],
    ]);
    await caseFile.getByText('Suggested pro-rata refund for the quantity shortfall: USD 625.00').waitFor();
    await caseFile.getByRole('link', { name: 'SGS lab report 4411' }).waitFor();
    await caseFile.getByText(/supplier offers a refund of USD 400\.00 \(superseded\)/).waitFor();
    await caseFile
      .getByRole('heading', { name: /^Claim: quality \(open\), opened by the inspection report/ })
      .waitFor();
    await caseFile.getByText('Requested refund USD 12,500.00').waitFor();
    await caseFile.getByRole('heading', { name: 'Statements (2, oldest first)' }).waitFor();
    await caseFile.getByText('Half the bags are damp to the touch').waitFor();
    await caseFile.getByRole('link', { name: 'moisture certificate' }).waitFor();
    await caseFile.getByText('floor(covered × shortfall / ordered)').waitFor();
    await caseFile.getByRole('heading', { name: 'How to decide' }).waitFor();
    await caseFile.getByText(/Never Reset or Terminate an order/).waitFor();
    await caseFile
      .getByText('windows: inspection 1 minute, negotiation 5 seconds, arbitration 5 days')
      .waitFor();
    const splitTemplate = JSON.parse(
      (await caseFile.locator('code', { hasText: '"outcome":"split"' }).textContent()) ?? '',
    );
    expect(splitTemplate).toEqual({ outcome: 'split', refundAmount: 62_500, arbitrator: '', rationale: '' });
    await screenshotCaseFile(page);

    const decision = {
      ...splitTemplate,
      arbitrator: 'arb-ui-1',
      rationale: 'SGS report: 50 kg short and moisture above 12 %; refund the shortfall',
    };
    const dialog = await sendUpdate(page, 'arbitrate', JSON.stringify(decision), (names) =>
      // The UI lists the Updates as the workflow registered them: the arbitrator's comes first.
      expect(names[0]).toMatch(/^arbitrate\b/),
    );
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Update successful').waitFor();

    const closed = await handle.result();
    expect(closed).toMatchObject({
      status: 'closed',
      outcome: 'split',
      reason: 'arbitration',
      decision: {
        outcome: 'split',
        refundAmount: 62_500,
        arbitrator: 'arb-ui-1',
        rationale: decision.rationale,
      },
    });
    expect(closed.timeline).toContainEqual(
      expect.objectContaining({
        event: 'arbitration_decision',
        detail: `split 62500 by arb-ui-1: ${decision.rationale}`,
      }),
    );
    const ledger = await h.ledger.entries(orderId);
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', FUNDED],
      ['refund', 62_500],
      ['release', FUNDED - 62_500],
    ]);
    expect(ledger[1]?.memo).toContain(`arbitration by arb-ui-1: ${decision.rationale}`);

    const viaApi = await api.call('GET', `/v1/orders/${orderId}`, { as: 'reader' });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body).toMatchObject({
      status: 'closed',
      outcome: 'split',
      decision: { arbitrator: 'arb-ui-1', refundAmount: 62_500 },
    });
  });

  it('shows the validator’s message for a bad decision and changes nothing', {
    timeout: 300_000,
  }, async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S', arbitrationSla: 'PT1S' });
    await waitForSnapshot(handle, (s) => s.arbitration?.overdue === true);
    await visibleTo(OVERDUE, handle.workflowId);
    const acceptedBefore = await acceptedUpdateIds(handle);

    await search(page, OVERDUE);
    await page.getByRole('link', { name: handle.workflowId, exact: true }).click();
    await page.getByRole('heading', { name: handle.workflowId }).waitFor();

    // The case file's template, pasted without the arbitrator's id and reason.
    let dialog = await sendUpdate(page, 'arbitrate', '{"outcome":"refund","arbitrator":"","rationale":""}');
    await dialog
      .getByText('arbitrator: arbitrator must not be empty; rationale: rationale must not be empty')
      .first()
      .waitFor();
    await dialog.getByText('Cancel', { exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    const everything = {
      outcome: 'split',
      refundAmount: FUNDED,
      arbitrator: 'arb-ui-2',
      rationale: 'all of it',
    };
    dialog = await sendUpdate(page, 'arbitrate', JSON.stringify(everything));
    await dialog
      .getByText(
        `refundAmount ${FUNDED} is out of range for a split: between 1 and ${FUNDED - 1} minor units (escrow covers ${FUNDED} of the order); use outcome "refund" or "release" for all or nothing`,
      )
      .first()
      .waitFor();
    await dialog.getByText('Cancel', { exact: true }).click();

    const snapshot = await handle.query(orderQuery);
    expect(snapshot).toMatchObject({ status: 'arbitration', arbitration: { overdue: true } });
    expect(snapshot.decision).toBeUndefined();
    expect(await acceptedUpdateIds(handle)).toEqual(acceptedBefore);
    expect((await h.ledger.entries(input.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', FUNDED],
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(ArbitrationOverdueKey)).toBe(true);

    // Decided, the case leaves the overdue queue.
    await handle.executeUpdate(arbitrateUpdate, {
      args: [{ outcome: 'refund', arbitrator: 'arb-ui-2', rationale: 'moisture 14.5 %' }],
    });
    await handle.result();
    expect((await handle.describe()).typedSearchAttributes.get(ArbitrationOverdueKey)).toBe(false);
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
  // The only handle the "show raw query" toggle has is its test id: it is an icon without a label.
  await page.getByTestId('toggle-manual-query').click();
  await page.getByPlaceholder('Enter a query').fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('query') === query);
}

/** Workflow page → More Actions → Send an Update → pick the Update, paste the JSON, Submit. */
async function sendUpdate(
  page: Page,
  name: string,
  json: string,
  listed?: (names: string[]) => void,
): Promise<Locator> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send an Update' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send an Update' });
  await dialog.getByRole('button', { name: 'Select an Update' }).click();
  await dialog.getByRole('option').first().waitFor();
  listed?.((await dialog.getByRole('option').allTextContents()).map((t) => t.trim()));
  await dialog.getByRole('option', { name: new RegExp(`^${name}\\b`) }).click();
  const data = dialog.getByRole('textbox').last();
  await data.click();
  await page.keyboard.insertText(json);
  // The editor re-formats the JSON when it loses focus and the dialog grows: a click on Submit
  // that also takes the focus away would land where the button was, not where it is.
  await data.blur();
  await dialog.getByText(`"outcome": "${JSON.parse(json).outcome}"`).waitFor();
  await dialog.getByRole('button', { name: 'Submit' }).click();
  return dialog;
}

async function rows(table: Locator): Promise<string[][]> {
  const cells = await Promise.all(
    (await table.getByRole('row').all()).map((row) => row.locator('th, td').allTextContents()),
  );
  return cells.map((row) => row.map((cell) => cell.trim()));
}

/** The case file as docs/arbitrators.md shows it: the User Metadata tab, tall enough to show all of it. */
async function screenshotCaseFile(page: Page) {
  const frame = page.locator('iframe[title="output"]').last();
  const box = await frame.boundingBox();
  await page.setViewportSize({
    width: 1400,
    height: Math.max(1000, Math.ceil((box?.y ?? 0) + (box?.height ?? 0)) + 24),
  });
  await page
    .frameLocator('iframe[title="output"]')
    .last()
    .getByRole('heading', { name: 'Deadlines' })
    .waitFor();
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/arbitrator-case-file.png' });
  if (process.env.UPDATE_SCREENSHOTS) {
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await copyFile('test-results/arbitrator-case-file.png', SCREENSHOT);
  }
  await page.setViewportSize({ width: 1400, height: 1000 });
}
