import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { OrderEventStore } from '../../db/order-event-store.js';
import { eventually } from '../support/api-client.js';
import { startLine } from '../support/credit-lines.js';
import { createHarness, type Harness } from '../support/harness.js';

/** A marketplace's webhook endpoint that keeps each delivery as it came. */
const deliveries: { headers: Record<string, string>; body: string }[] = [];
const secret = generateWebhookSecret();
let receiver: Server;
let h: Harness;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  h = await createHarness();
  await h.startWorker({ webhooks: { urls: [url], secrets: [secret] } });
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => {
    receiver.close(resolve);
    receiver.closeAllConnections();
  });
});

describe("a credit line's events", () => {
  it('are in the feed with the line’s id and reach the webhooks signed, in sequence', async () => {
    const handle = await startLine(h, {
      business: { registrationNumber: 'X', yearsTrading: 0, annualRevenue: 1_000_000 },
    });
    const { lineId } = await handle.result();
    const store = new OrderEventStore(h.pool);
    const stored = await store.forLine(lineId);
    expect(stored.map((e) => [e.type, e.sequence])).toEqual([
      ['credit_line.applied', 1],
      ['credit_line.scored', 2],
      ['credit_line.declined', 3],
    ]);
    const feed = await store.feed(stored[0]?.position ? stored[0].position - 1 : 0, 500);
    expect(feed.filter((e) => 'lineId' in e && e.lineId === lineId)).toHaveLength(3);

    const verifier = new Webhook(secret);
    const mine = () =>
      deliveries
        .map(
          (d) =>
            verifier.verify(d.body, d.headers) as {
              lineId?: string;
              sequence: number;
              type: string;
              data: { line: { status: string } };
            },
        )
        .filter((e) => e.lineId === lineId);
    const received = await eventually(
      async () => mine(),
      (events) => events.length >= 3,
      60_000,
    );
    expect(received.map((e) => [e.type, e.sequence])).toEqual([
      ['credit_line.applied', 1],
      ['credit_line.scored', 2],
      ['credit_line.declined', 3],
    ]);
    expect(received.at(-1)?.data.line.status).toBe('declined');
  });
});
