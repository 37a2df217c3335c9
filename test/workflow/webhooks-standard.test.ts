import { createHmac, randomUUID } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArbitrationOverdueNoticeSchema, WebhookEventSchema } from '../../api/schemas/webhooks.js';
import { loadConfig, webhookSettings } from '../../config/env.js';
import { generateWebhookSecret, WEBHOOK_SECRET_PREFIX } from '../../config/webhook-secrets.js';
import { OrderEventStore } from '../../db/order-event-store.js';
import {
  arbitrateUpdate,
  recordDeliveryUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import { type EngineProcess, startWorkerProcess } from '../support/engine-processes.js';
import { createHarness, type Harness, waitForSnapshot } from '../support/harness.js';
import { conformingReport, disputedOrder, shippedOrder } from '../support/scenarios.js';
import { type Delivery, RawReceiver } from '../support/webhook-receiver.js';

/**
 * Real deliveries, checked the way a marketplace checks them: with the `standardwebhooks`
 * package (the reference of the Standard Webhooks specification), not with the engine's code.
 * The worker is `npm run worker`'s process, configured by its environment alone, with two
 * secrets at once as during a rotation.
 */
const NEXT = generateWebhookSecret();
const CURRENT = generateWebhookSecret();
const LEGACY_SECRET = 'the-secret-of-the-last-release';

const receiver = new RawReceiver();
const taskQueue = `webhooks-standard-${randomUUID()}`;
let worker: EngineProcess;
let h: Harness;
/** The harness's client, driving orders on the worker process's task queue. */
let onProcess: Harness;
let store: OrderEventStore;

beforeAll(async () => {
  await receiver.start();
  [worker, h] = await Promise.all([
    startWorkerProcess(taskQueue, {
      WEBHOOK_URLS: receiver.url('/hooks/escrow'),
      ARBITRATION_WEBHOOK_URL: receiver.url('/arbitration/notices'),
      WEBHOOK_SECRETS: `${NEXT},${CURRENT}`,
    }),
    createHarness(),
  ]);
  onProcess = { ...h, taskQueue };
  store = new OrderEventStore(h.pool);
}, 120_000);
afterAll(async () => {
  await worker?.kill();
  await h?.close();
  await receiver.stop();
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('webhooks per Standard Webhooks, verified with the standardwebhooks package', () => {
  let released: Delivery;

  it('signs every event of a real order with both secrets, and each secret alone verifies', async () => {
    const { input, handle } = await shippedOrder(onProcess);
    await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
    await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'buyer_accepted' });

    const stored = await store.forOrder(input.orderId);
    await waitFor(() => stored.every((e) => receiver.on('/hooks/escrow', e.id).length > 0));
    const deliveries = stored.map((e) => receiver.on('/hooks/escrow', e.id)[0] as Delivery);
    expect(stored.map((e) => e.type)).toEqual([
      'order.created',
      'order.payment_received',
      'order.funded',
      'order.shipped',
      'order.delivered',
      'order.payout',
      'order.released',
    ]);

    for (const [i, delivery] of deliveries.entries()) {
      const event = stored[i];
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['webhook-id']).toBe(event?.id);
      expect(delivery.headers['webhook-signature']?.split(' ')).toHaveLength(2);
      for (const secret of [NEXT, CURRENT]) {
        expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toMatchObject({
          id: event?.id,
          type: event?.type,
          orderId: input.orderId,
          sequence: i + 1,
          data: { order: { orderId: input.orderId } },
        });
      }
      // The body is what the OpenAPI document's `webhooks` describe, no field more or less.
      const body = JSON.parse(delivery.body);
      expect(WebhookEventSchema.parse(body)).toEqual(body);
      expect(() => new Webhook(generateWebhookSecret()).verify(delivery.body, delivery.headers)).toThrow(
        WebhookVerificationError,
      );
      // The deprecated header goes only where WEBHOOK_LEGACY_SIGNATURE asks for it.
      expect(delivery.headers['escrow-signature']).toBeUndefined();
    }
    released = deliveries.at(-1) as Delivery;
  });

  it('refuses a tampered body, a changed id and a replayed old request', () => {
    const wh = new Webhook(CURRENT);
    const { body, headers } = released;
    expect(wh.verify(body, headers)).toMatchObject({ type: 'order.released' });
    for (const [from, to] of [
      ['"order.released"', '"order.refunded"'],
      ['"amount":1250000', '"amount":1'],
    ] as const) {
      const tampered = body.replace(from, to);
      expect(tampered).not.toBe(body);
      expect(() => wh.verify(tampered, headers)).toThrow('No matching signature found');
    }
    expect(() => wh.verify(body, { ...headers, 'webhook-id': `${headers['webhook-id']}0` })).toThrow(
      'No matching signature found',
    );
    const old = String(Number(headers['webhook-timestamp']) - 600);
    expect(() => wh.verify(body, { ...headers, 'webhook-timestamp': old })).toThrow(
      'Message timestamp too old',
    );
  });

  it('signs the arbitration-overdue notice the same way, with a stable id from the order and the due date', async () => {
    const { input, handle } = await disputedOrder(onProcess, {
      negotiationWindow: 'PT0S',
      arbitrationSla: 'PT1S',
    });
    const overdue = await waitForSnapshot(handle, (s) => s.arbitration?.overdue === true);
    const dueAt = overdue.arbitration?.dueAt as string;
    const id = `ntc_${input.orderId}_arbitration_overdue_${Date.parse(dueAt)}`;
    await waitFor(() => noticeFor(input.orderId).length > 0);

    const [notice] = noticeFor(input.orderId);
    expect(notice?.headers['webhook-id']).toBe(id);
    expect(notice?.headers['idempotency-key']).toBe(`${input.orderId}:arbitration-overdue:${dueAt}`);
    for (const secret of [NEXT, CURRENT]) {
      expect(new Webhook(secret).verify(notice?.body ?? '', notice?.headers ?? {})).toEqual({
        type: 'arbitration_overdue',
        orderId: input.orderId,
        workflowId: handle.workflowId,
        dueAt,
      });
    }
    expect(ArbitrationOverdueNoticeSchema.strict().parse(JSON.parse(notice?.body ?? ''))).toBeTruthy();
    expect(() =>
      new Webhook(NEXT).verify((notice?.body ?? '').replace(input.orderId, 'T-other'), notice?.headers ?? {}),
    ).toThrow('No matching signature found');

    await handle.executeUpdate(arbitrateUpdate, {
      args: [{ outcome: 'release', arbitrator: 'arb-3', rationale: 'within the lab error' }],
    });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'arbitration' });
  });

  it('never writes a secret into the worker log', () => {
    const log = worker.output.join('');
    expect(log).toContain('worker polling');
    for (const secret of [NEXT, CURRENT])
      expect(log).not.toContain(secret.slice(WEBHOOK_SECRET_PREFIX.length));
  });
});

describe('the deprecated Escrow-Signature, for one release with WEBHOOK_LEGACY_SIGNATURE=1', () => {
  it('is sent beside the standard headers, signed with the old secret as receivers of the last release check it', async () => {
    const settings = webhookSettings(
      loadConfig({
        DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
        WEBHOOK_URLS: receiver.url('/hooks/legacy'),
        WEBHOOK_SECRETS: NEXT,
        WEBHOOK_SECRET: LEGACY_SECRET,
        WEBHOOK_LEGACY_SIGNATURE: '1',
      }),
    );
    await h.startWorker({ webhooks: settings });
    const { input } = await shippedOrder(h);
    const stored = await store.forOrder(input.orderId);
    await waitFor(() => stored.every((e) => receiver.on('/hooks/legacy', e.id).length > 0));

    for (const event of stored) {
      const [delivery] = receiver.on('/hooks/legacy', event.id);
      const { body, headers } = delivery as Delivery;
      expect(new Webhook(NEXT).verify(body, headers)).toMatchObject({ id: event.id });
      // The old scheme, as docs/api.md of the last release specified it.
      const { t, v1 } = Object.fromEntries(
        (headers['escrow-signature'] ?? '').split(',').map((part) => part.split('=', 2)),
      ) as { t: string; v1: string };
      expect(v1).toBe(createHmac('sha256', LEGACY_SECRET).update(`${t}.${body}`).digest('hex'));
      expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(300);
      expect(headers['escrow-event-id']).toBe(event.id);
      expect(headers['escrow-event-type']).toBe(event.type);
    }
  });
});

function noticeFor(orderId: string) {
  return receiver.deliveries.filter(
    (d) => d.path === '/arbitration/notices' && JSON.parse(d.body).orderId === orderId,
  );
}
