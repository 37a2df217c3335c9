import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { freePort } from '../free-port.js';
import type { BenchReport } from './report.js';
import type { Teardown } from './teardown.js';

export interface WebhookReceiver {
  /** Where the worker delivers the orders' events (`WEBHOOK_URLS`). */
  url: string;
  /** What arrived, and what never did: deliveries still retrying get a minute to land. */
  settle(db: pg.Pool): Promise<NonNullable<BenchReport['webhooks']>>;
}

/**
 * The marketplace's webhook receiver: answers 200 at once and checks that each order's events, and
 * each supplier's, arrive in sequence (a redelivery of the last one is allowed: at least once).
 */
export async function startWebhookReceiver(teardown: Teardown): Promise<WebhookReceiver> {
  const stats = { received: 0, outOfOrder: 0 };
  const lastSequence = new Map<string, number>();
  const receivedIds = new Set<string>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString()) as {
        id: string;
        orderId?: string;
        supplierId?: string;
        sequence: number;
      };
      stats.received++;
      receivedIds.add(event.id);
      const subject = event.orderId ?? `supplier ${event.supplierId}`;
      const last = lastSequence.get(subject) ?? 0;
      if (event.sequence !== last + 1 && event.sequence !== last) stats.outOfOrder++;
      lastSequence.set(subject, Math.max(last, event.sequence));
      response.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  teardown.add(() => new Promise((resolve) => receiver.close(resolve)));
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    async settle(db) {
      const stored = async () => Number((await db.query('SELECT count(*) AS n FROM order_events')).rows[0].n);
      const waitUntil = Date.now() + 60_000;
      let storedEvents = await stored().catch(() => -1);
      while (storedEvents > receivedIds.size && Date.now() < waitUntil) {
        await sleep(500);
        storedEvents = await stored().catch(() => -1);
      }
      return {
        ...stats,
        orders: [...lastSequence.keys()].filter((subject) => !subject.startsWith('supplier ')).length,
        stored: storedEvents,
        missing: storedEvents - receivedIds.size,
      };
    },
  };
}
