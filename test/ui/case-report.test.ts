import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiUnderTest, withApi } from '../support/api-client.js';
import { launchChromium } from '../support/chromium.js';
import { disputedOrder } from '../support/dossier-scenario.js';

const DOCS = join(import.meta.dirname, '../../docs');

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** The screenshot of docs/dossier.md, refreshed with UPDATE_SCREENSHOTS=1. */
describe('the case report in Chromium', () => {
  it('draws the SVG timeline and prints the claim, statements, offers, decision and money', async () => {
    const { orderId } = await disputedOrder(api);
    const answer = await api.call('GET', `/v1/orders/${orderId}/dossier`, {
      as: 'reader',
      headers: { accept: 'text/html' },
    });
    expect(answer.status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1040, height: 900 } });
    try {
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.setContent(answer.body as string);
      const svg = page.locator('svg');
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(900);
      expect(await svg.locator('circle').count()).toBeGreaterThan(10);
      // Every label of the timeline can be read: none overlaps another, none leaves the drawing.
      const labels = await svg.locator('text').evaluateAll((texts) =>
        texts.map((t) => {
          const r = t.getBoundingClientRect();
          return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }),
      );
      const overlapping = labels.flatMap((a, i) =>
        labels
          .slice(i + 1)
          .filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
          .map((b) => `${a.text} / ${b.text}`),
      );
      expect(overlapping).toEqual([]);
      for (const l of labels) {
        expect(l.left).toBeGreaterThanOrEqual((box?.x ?? 0) - 0.5);
        expect(l.right).toBeLessThanOrEqual((box?.x ?? 0) + (box?.width ?? 0) + 0.5);
      }
      expect(labels.map((l) => l.text)).toEqual(expect.arrayContaining(['funded', 'claim_filed', 'split']));
      const headings = await page.locator('h2').allTextContents();
      expect(headings).toEqual([
        'Timeline',
        'Claim',
        'Statements',
        'Offers',
        'Decision',
        'Money',
        'Evidence',
        'Verification',
      ]);
      expect(await page.locator('table').first().locator('tbody tr').count()).toBe(2);
      // The supplier's statement carries a script tag: shown as text, never run.
      expect(await page.getByText('<script>alert("x")</script>', { exact: false }).count()).toBe(1);
      expect(dialogs).toEqual([]);
      // A time, a kind and an amount of the money table each stay on one line.
      const lines = await page
        .locator('table')
        .nth(2)
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) =>
            [...row.querySelectorAll('td')].slice(0, 3).map((cell) => {
              const range = cell.ownerDocument.createRange();
              range.selectNodeContents(cell);
              return range.getClientRects().length;
            }),
          ),
        );
      expect(lines.length).toBeGreaterThan(1);
      expect(lines).toEqual(lines.map(() => [1, 1, 1]));
      await mkdir('test-results', { recursive: true });
      const file = 'test-results/case-report.png';
      await page.screenshot({ path: file, fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS) await copyFile(file, join(DOCS, 'case-report.png'));
    } finally {
      await page.close();
    }
  }, 120_000);
});
