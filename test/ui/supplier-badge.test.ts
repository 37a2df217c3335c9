import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClosedOrders, generatedId, generateSuppliers } from '../../scripts/bench/program-data.js';
import { launchChromium } from '../support/chromium.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';

const DOCS = join(import.meta.dirname, '../../docs');

let p: ProgramUnderTest;
withProgram((ready) => {
  p = ready;
});

/** A storefront on an origin of its own that embeds the badge, as a marketplace's page does. */
let storefront: Server;
let storefrontUrl = '';
let browser: Browser;
beforeAll(async () => {
  storefront = createServer((req, res) => {
    const badge = new URL(req.url ?? '/', 'http://x').searchParams.get('badge') ?? '';
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><html><body style="margin:0;padding:16px;background:#f6f8fa">` +
          `<img id="badge" alt="supplier badge" src="${badge.replace(/"/g, '&quot;')}"></body></html>`,
      );
  });
  await new Promise<void>((resolve) => storefront.listen(0, '127.0.0.1', resolve));
  storefrontUrl = `http://127.0.0.1:${(storefront.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => storefront?.close(resolve));
});

/** What the page's image element tells of the image it loaded. */
interface Img {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}

/** Opens the storefront with the supplier's badge, checks the image loaded, and takes its picture. */
async function shoot(supplierId: string, name: string): Promise<{ width: number; height: number }> {
  const page = await browser.newPage({ deviceScaleFactor: 2 });
  try {
    await page.goto(
      `${storefrontUrl}?badge=${encodeURIComponent(`${p.api.url}/v1/suppliers/${supplierId}/badge.svg`)}`,
    );
    const img = page.locator('#badge');
    await expect
      .poll(
        () =>
          img.evaluate((el) => (el as unknown as Img).complete && (el as unknown as Img).naturalWidth > 0),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    await mkdir('test-results', { recursive: true });
    const file = `test-results/${name}.png`;
    await img.screenshot({ path: file });
    if (process.env.UPDATE_SCREENSHOTS) await copyFile(file, join(DOCS, `${name}.png`));
    return await img.evaluate((el) => {
      const loaded = el as unknown as Img;
      return { width: loaded.naturalWidth, height: loaded.naturalHeight };
    });
  } finally {
    await page.close();
  }
}

describe('the badge in a storefront', () => {
  it('shows on a page of another origin: protected with a year of trade, or not protected', async () => {
    const prefix = `badge-${Date.now()}-`;
    await generateSuppliers(p.h.pool, { prefix, count: 2, status: 'qualified' });
    // Both generated suppliers share these orders: 60 closed over the last year, half each.
    await generateClosedOrders(p.h.pool, { prefix, suppliers: 2, count: 60 });
    const [trusted, suspended] = [generatedId(prefix, 1), generatedId(prefix, 2)];
    await p.api.call('PUT', `/v1/suppliers/${trusted}`, {
      body: { name: 'Rheinstahl Bleche GmbH', country: 'DE', enrolled: true },
    });
    const receivedAt = new Date(Date.now() - 5 * 3600_000).toISOString();
    const respondedAt = new Date(Date.parse(receivedAt) + (2 * 60 + 40) * 60_000).toISOString();
    await p.api.call('POST', `/v1/suppliers/${trusted}/inquiries`, {
      body: { inquiryId: 'q-1', receivedAt, respondedAt },
    });
    await p.h.pool.query(
      "UPDATE suppliers SET status = 'suspended', name = 'Late Freight Ltd' WHERE supplier_id = $1",
      [suspended],
    );

    const protectedSize = await shoot(trusted, 'supplier-badge-protected');
    const notProtectedSize = await shoot(suspended, 'supplier-badge-not-protected');
    expect(protectedSize.width).toBeGreaterThan(200);
    expect(notProtectedSize.width).toBeGreaterThan(150);
    const badge = (await p.api.call('GET', `/v1/suppliers/${trusted}/badge.svg`, { as: null })).body;
    expect(badge).toContain('30 transactions in 12 months: USD 29,100');
    expect(badge).toContain('Replies in 2 h 40 min (median)');
  });
});
