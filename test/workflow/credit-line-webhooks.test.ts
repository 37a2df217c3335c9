import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { OrderEventStore } from '../../db/order-event-store.js';
import { eventually } from '../support/api-client.js';
import { startLine } from '../support/credit-lines.js';
import { createHarness, type Harness } from '../support/harness.js';
import { RawReceiver } from '../support/webhook-receiver.js';

const receiver = new RawReceiver();
const { deliveries } = receiver;
const secret = generateWebhookSecret();
let h: Harness;

beforeAll(async () => {
  await receiver.start();
  h = await createHarness();
  await h.startWorker({ webhooks: { urls: [receiver.url('/hooks')], secrets: [secret] } });
});
afterAll(async () => {
  await h?.close();
  await receiver.stop();
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
