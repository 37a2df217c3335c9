import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OrderEventStore } from '../../db/order-event-store.js';
import { launchChromium } from '../support/chromium.js';
import { startLine, waitForLine } from '../support/credit-lines.js';
import { createHarness, type Harness } from '../support/harness.js';
import { openUiPage, openUpdateDialog, refused, signPastedPayload } from '../support/web-ui.js';

/**
 * An underwriter in the real Temporal Web UI of the run's dev server, driven through Chromium:
 * read the line's case file (application, scorecard, documents with digests, the deadline), copy
 * the approval out of it into the `verify` Update, be refused for an empty name, then approve.
 */
const uiUrl = inject('temporalUiUrl');

describe.skipIf(!uiUrl)('underwriter in the Temporal Web UI', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createHarness();
    await h.startWorker();
    browser = await launchChromium();
    page = await openUiPage(browser, uiUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('reads the case file and approves the line with the verify Update', { timeout: 300_000 }, async () => {
    const handle = await startLine(h, {}, { verificationTarget: 'P1D' });
    const line = await waitForLine(handle, (s) => s.status === 'verification');

    await page.goto(`${uiUrl}/namespaces/default/workflows/${handle.workflowId}`);
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const summary = page.frameLocator('iframe[title="output"]').first();
    await summary
      .getByText(`Credit line ${line.lineId}: AUD 100,000.00 requested by Acme Buyer (${line.buyer.id})`)
      .waitFor();
    const caseFile = page.frameLocator('iframe[title="output"]').last();
    await caseFile.getByRole('heading', { name: `Credit line ${line.lineId}: verification` }).waitFor();
    await caseFile.getByText(/^Verify by \d+ \w{3} \d{4}, \d\d:\d\d UTC/).waitFor();
    await caseFile.getByText('(1 day after scoring)', { exact: false }).waitFor();
    await caseFile.getByRole('heading', { name: /^Scorecard: \d+ of 140 points$/ }).waitFor();
    await caseFile.getByRole('cell', { name: 'years_trading', exact: true }).waitFor();
    await caseFile
      .getByText('Approved in principle: band A, AUD 100,000.00 (10000000) at 1.15 % a month.')
      .waitFor();
    await caseFile.getByRole('link', { name: 'https://files.example.com/bank.pdf', exact: true }).waitFor();
    await caseFile.getByText('a'.repeat(64)).waitFor();

    const code = caseFile.locator('pre code', { hasText: '"approve":true' });
    await code.scrollIntoViewIfNeeded();
    await code.click({ clickCount: 3 });
    await page.keyboard.press('Control+C');
    const copied = JSON.parse(String(await page.evaluate('navigator.clipboard.readText()')));
    expect(copied).toEqual({ approve: true, limit: 10_000_000, underwriter: '', notes: '' });

    const dialog = await openUpdateDialog(page, 'verify');
    await page.keyboard.press('Control+V');
    await dialog.getByRole('textbox').last().blur();
    await dialog.getByRole('button', { name: 'Submit' }).click();
    // Unsigned as it is: refused by the validator with its message, nothing in history.
    await refused(dialog, 'underwriter must not be empty');

    // Into the empty quotes the payload leaves: the notes, then the underwriter's name.
    const notes = 'bank statements match the declared revenue';
    await dialog.getByRole('textbox').last().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+V');
    await signPastedPayload(page, { who: 'uw-ui-1', why: { key: 'notes', value: notes } });
    await dialog.getByRole('textbox').last().blur();
    await dialog.getByText('"underwriter": "uw-ui-1"').waitFor();
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Update successful').waitFor();

    const active = await waitForLine(
      handle,
      (s) => s.status === 'active' && s.verification?.sentBy !== undefined,
    );
    expect(active).toMatchObject({
      limit: 10_000_000,
      verification: { approve: true, underwriter: 'uw-ui-1', notes },
    });
    expect((await h.ledger.lineEntries(line.lineId)).map((t) => [t.kind, t.amount])).toEqual([
      ['credit_open', 10_000_000],
    ]);
    expect((await new OrderEventStore(h.pool).forLine(line.lineId)).map((e) => e.type)).toContain(
      'credit_line.verified',
    );
    await handle.terminate('test done');
  });
});
