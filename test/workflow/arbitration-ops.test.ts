import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ArbitrationOverduePayload, webhookNotifier } from '../../activities/webhook-notifier.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { ensureSearchAttributes } from '../../worker/search-attributes.js';
import { arbitrateUpdate } from '../../workflows/model/messages.js';
import {
  ArbitrationOverdueKey,
  ENGINE_SEARCH_ATTRIBUTES,
  ORDER_SEARCH_ATTRIBUTES,
} from '../../workflows/model/search-attributes.js';
import { createHarness, type Harness, waitForSnapshot } from '../support/harness.js';
import { disputedOrder } from '../support/scenarios.js';

/** An arbitration desk's webhook endpoint on 127.0.0.1 that can answer with errors first. */
class NoticeReceiver {
  private server: Server | undefined;
  readonly requests: { idempotencyKey: string | undefined; body: ArbitrationOverduePayload }[] = [];
  failFirst = 0;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        if (this.failFirst > 0) {
          this.failFirst--;
          res.writeHead(503).end();
        } else res.writeHead(204).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/arbitration/notices`;
  }

  forOrder(orderId: string) {
    return this.requests.filter((r) => r.body.orderId === orderId);
  }

  async stop() {
    await new Promise((resolve) => {
      this.server?.close(resolve);
      this.server?.closeAllConnections();
    });
  }
}

describe('search attributes at worker start', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });
  afterAll(() => connection?.close());

  /** A namespace of its own, so that registering really adds the attributes the first time. */
  async function freshNamespace(): Promise<string> {
    const namespace = `sa-${randomUUID()}`;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: proto.google.protobuf.Duration.fromObject({ seconds: 86_400 }),
    });
    // A new namespace reaches the frontend's cache a moment after it is registered.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.operatorService.listSearchAttributes({ namespace });
        return namespace;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  it('registers every order attribute once; a second start adds nothing', async () => {
    const namespace = await freshNamespace();
    const names = ORDER_SEARCH_ATTRIBUTES.map((k) => k.name);
    // The credit lines' (docs/credit.md) are registered with them.
    const engine = ENGINE_SEARCH_ATTRIBUTES.map((k) => k.name);
    expect(engine).toEqual(expect.arrayContaining([...names, 'CreditLineStatus', 'VerificationOverdue']));

    expect((await ensureSearchAttributes(connection, namespace)).sort()).toEqual([...engine].sort());
    expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);

    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(engine));
  });

  it('refuses to start on an attribute registered with another type', async () => {
    const namespace = await freshNamespace();
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { OrderStatus: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT },
    });
    await expect(ensureSearchAttributes(connection, namespace)).rejects.toThrow(
      `search attribute OrderStatus exists in namespace ${namespace} with another type than KEYWORD`,
    );
  });
});

describe('arbitration SLA', () => {
  let h: Harness;
  const receiver = new NoticeReceiver();
  beforeAll(async () => {
    const url = await receiver.start();
    h = await createHarness();
    await h.startWorker({
      notifier: webhookNotifier({ url, secrets: [generateWebhookSecret()], timeoutMs: 5_000 }),
    });
  });
  afterAll(async () => {
    await h?.close();
    await receiver.stop();
  });

  const decision = {
    outcome: 'release',
    arbitrator: 'arb-7',
    rationale: 'moisture within lab error',
  } as const;

  it('flags the order overdue and POSTs one notice to the arbitration webhook', async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S', arbitrationSla: 'PT1S' });
    const overdue = await waitForSnapshot(handle, (s) => s.arbitration?.overdue === true);
    expect((await handle.describe()).typedSearchAttributes.get(ArbitrationOverdueKey)).toBe(true);

    await waitFor(() => receiver.forOrder(input.orderId).length > 0);
    await handle.executeUpdate(arbitrateUpdate, { args: [decision] });
    await handle.result();
    // Closed: nothing can send another notice now.
    expect(receiver.forOrder(input.orderId)).toEqual([
      {
        idempotencyKey: `${input.orderId}:arbitration-overdue:${overdue.arbitration?.dueAt}`,
        body: {
          type: 'arbitration_overdue',
          orderId: input.orderId,
          workflowId: handle.workflowId,
          dueAt: overdue.arbitration?.dueAt,
        },
      },
    ]);
  });

  it('retries the notice while the webhook answers with an error', async () => {
    receiver.failFirst = 1;
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S', arbitrationSla: 'PT1S' });
    await waitFor(() => receiver.forOrder(input.orderId).length === 2, 60_000);
    const [failed, delivered] = receiver.forOrder(input.orderId);
    expect(delivered).toEqual(failed);
    await handle.executeUpdate(arbitrateUpdate, { args: [decision] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'arbitration' });
    expect(receiver.forOrder(input.orderId)).toHaveLength(2);
  });
});

async function waitFor(done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
