import { Client, type WorkflowClientInterceptor, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { eventSigningInterceptor } from '../../api/event-signing.js';
import {
  arbitrateUpdate,
  cancelUpdate,
  orderQuery,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  settleUpdate,
  submitInspectionUpdate,
  WRONG_STATE,
} from '../../workflows/model/messages.js';
import type { order } from '../../workflows/order-workflow.js';
import {
  generateEventKeyPair,
  SIGNATURE_HEADER,
  signEvent,
  UNSIGNED_EVENT,
} from '../../workflows/rules/event-signature.js';
import { TEST_EVENT_KEYS } from '../support/event-keys.js';
import {
  acceptedUpdateIds,
  type Harness,
  startOrder,
  testContract,
  waitForSnapshot,
  withWorker,
} from '../support/harness.js';
import { conformingReport } from '../support/scenarios.js';

/*
 * docs/spec.md#who-may-move-money: marketplace events come only from the API. Whoever else reaches the
 * Temporal frontend (a writer token, the CLI, the UI) and sends an Update to an order is refused in the
 * validator, moves no money and leaves no trace in the order's history.
 */
let h: Harness;
withWorker((ready) => {
  h = ready;
});

const forgedPayment = { amount: 5_000, reference: 'forged-wire' };

/** A Temporal client on the same connection with the given interceptor (or none: unsigned). */
const clientWith = (interceptor?: WorkflowClientInterceptor) =>
  new Client({
    connection: h.client.connection,
    interceptors: { workflow: interceptor ? [interceptor] : [] },
  });

/** Signs with the API's key but over other fields than it sends: what a tamperer could produce. */
const signingOver = (
  change: (fields: { workflowId: string; updateName: string; updateId: string; args: unknown[] }) => {
    workflowId: string;
    updateName: string;
    updateId: string;
    args: unknown[];
  },
): WorkflowClientInterceptor => ({
  startUpdate(input, next) {
    const updateId = input.options.updateId ?? crypto.randomUUID();
    const signed = change({
      workflowId: input.workflowExecution.workflowId,
      updateName: input.updateName,
      updateId,
      args: input.args,
    });
    return next({
      ...input,
      options: { ...input.options, updateId },
      headers: {
        ...input.headers,
        [SIGNATURE_HEADER]: defaultPayloadConverter.toPayload(signEvent(TEST_EVENT_KEYS.secretKey, signed)),
      },
    });
  },
});

async function newOrder() {
  const input = testContract({ deposit: 5_000, amount: 5_000 });
  const handle = await startOrder(h.client, h.taskQueue, input);
  await settled(handle);
  return { input, handle };
}

/**
 * Waits until the order's own work (its event feed) is done: no activity and no workflow task
 * pending, so the history stops growing. It may end with the commands of the last task, such as
 * a local activity's marker.
 */
async function settled(handle: WorkflowHandle) {
  for (;;) {
    const { raw } = await handle.describe();
    if ((raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const historyLength = async (handle: WorkflowHandle) => (await handle.fetchHistory()).events?.length ?? 0;

/** The Update is refused as not from the API, and the order is exactly as before. */
async function expectRefused(
  handle: WorkflowHandle<typeof order>,
  orderId: string,
  send: () => Promise<unknown>,
  message: string | RegExp,
) {
  const before = await historyLength(handle);
  const accepted = await acceptedUpdateIds(handle);
  await expect(send()).rejects.toMatchObject({
    cause: { type: UNSIGNED_EVENT, message: expect.stringMatching(message) },
  });
  expect(await historyLength(handle)).toBe(before);
  expect(await acceptedUpdateIds(handle)).toEqual(accepted);
  const snapshot = await handle.query(orderQuery);
  expect(snapshot).toMatchObject({ funded: 0, escrowBalance: 0, payments: [] });
  expect(await h.ledger.entries(orderId)).toEqual([]);
}

describe('events sent to an order without the API', () => {
  it('refuses a recordPayment without a signature, with another key, or with a broken header', async () => {
    const { input, handle } = await newOrder();
    const send = (client: Client, updateId?: string) =>
      client.workflow
        .getHandle<typeof order>(handle.workflowId)
        .executeUpdate(recordPaymentUpdate, { args: [forgedPayment], updateId });

    await expectRefused(handle, input.orderId, () => send(clientWith()), /carries no signature/);
    const otherKey = generateEventKeyPair().secretKey;
    await expectRefused(
      handle,
      input.orderId,
      () => send(clientWith(eventSigningInterceptor(otherKey))),
      /key that is not accepted/,
    );
    // A header that is no signature at all.
    const garbage: WorkflowClientInterceptor = {
      startUpdate: (i, next) =>
        next({ ...i, headers: { ...i.headers, [SIGNATURE_HEADER]: defaultPayloadConverter.toPayload('x') } }),
    };
    await expectRefused(handle, input.orderId, () => send(clientWith(garbage)), /malformed/);
    await handle.terminate('test done');
  });

  it('refuses a signature over another body, Update id, Update name or order', async () => {
    const { input, handle } = await newOrder();
    const send = (interceptor: WorkflowClientInterceptor) =>
      clientWith(interceptor)
        .workflow.getHandle<typeof order>(handle.workflowId)
        .executeUpdate(recordPaymentUpdate, { args: [forgedPayment] });
    const mismatch = /does not match this event/;
    await expectRefused(
      handle,
      input.orderId,
      () => send(signingOver((f) => ({ ...f, args: [{ ...forgedPayment, amount: 1 }] }))),
      mismatch,
    );
    await expectRefused(
      handle,
      input.orderId,
      () => send(signingOver((f) => ({ ...f, updateId: 'another-update' }))),
      mismatch,
    );
    await expectRefused(
      handle,
      input.orderId,
      () => send(signingOver((f) => ({ ...f, updateName: 'recordShipment' }))),
      mismatch,
    );
    await expectRefused(
      handle,
      input.orderId,
      () => send(signingOver((f) => ({ ...f, workflowId: 'order-another' }))),
      mismatch,
    );
    await handle.terminate('test done');
  });

  it("refuses the API's own signature read from one order's history and replayed on another", async () => {
    const paid = await newOrder();
    await paid.handle.executeUpdate(recordPaymentUpdate, {
      args: [{ amount: 5_000, reference: 'wire-1' }],
      updateId: 'payment-1',
    });
    await settled(paid.handle);
    // Accepted Updates keep their headers in history, readable by anyone who may read the order.
    const acceptedEvent = (await paid.handle.fetchHistory()).events?.find(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
    );
    const captured = acceptedEvent?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input
      ?.header?.fields?.[SIGNATURE_HEADER] as Payload | undefined;
    expect(captured).toBeDefined();
    const replay: WorkflowClientInterceptor = {
      startUpdate: (i, next) =>
        next({ ...i, headers: { ...i.headers, [SIGNATURE_HEADER]: captured as Payload } }),
    };

    const victim = await newOrder();
    await expectRefused(
      victim.handle,
      victim.input.orderId,
      () =>
        clientWith(replay)
          .workflow.getHandle<typeof order>(victim.handle.workflowId)
          .executeUpdate(recordPaymentUpdate, {
            args: [{ amount: 5_000, reference: 'wire-1' }],
            updateId: 'payment-1',
          }),
      /does not match this event/,
    );
    await paid.handle.terminate('test done');
    await victim.handle.terminate('test done');
  });

  it('refuses every unsigned Update but arbitrate, whatever the order status', async () => {
    const { input, handle } = await newOrder();
    const unsigned = clientWith().workflow.getHandle<typeof order>(handle.workflowId);
    const attempts: [string, () => Promise<unknown>][] = [
      ['recordPayment', () => unsigned.executeUpdate(recordPaymentUpdate, { args: [forgedPayment] })],
      [
        'recordShipment',
        () => unsigned.executeUpdate(recordShipmentUpdate, { args: [{ carrier: 'X', trackingNumber: 'Y' }] }),
      ],
      ['recordDelivery', () => unsigned.executeUpdate(recordDeliveryUpdate, { args: [{}] })],
      [
        'submitInspection',
        () => unsigned.executeUpdate(submitInspectionUpdate, { args: [conformingReport] }),
      ],
      [
        'settle',
        () => unsigned.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'withdraw_claim' }] }),
      ],
      [
        'cancel',
        () => unsigned.executeUpdate(cancelUpdate, { args: [{ party: 'buyer', reason: 'forged' }] }),
      ],
    ];
    for (const [name, send] of attempts) {
      await expectRefused(handle, input.orderId, send, new RegExp(`^${name} refused`));
    }
    // The arbitrator's decision needs no API signature: it fails here only for the order's status.
    await expect(
      unsigned.executeUpdate(arbitrateUpdate, {
        args: [{ outcome: 'release', arbitrator: 'arb-1', rationale: 'forged' }],
      }),
    ).rejects.toMatchObject({ cause: { type: WRONG_STATE } });
    expect(await h.ledger.entries(input.orderId)).toEqual([]);
    await handle.terminate('test done');
  });

  it("accepts the API's signed events and moves the money", async () => {
    const { input, handle } = await newOrder();
    const snapshot = await handle.executeUpdate(recordPaymentUpdate, {
      args: [{ amount: 5_000, reference: 'wire-1' }],
    });
    expect(snapshot).toMatchObject({ status: 'awaiting_shipment', funded: 5_000 });
    expect((await h.ledger.entries(input.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 5_000],
    ]);
    await handle.terminate('test done');
  });
});

describe('a Reset of an order', () => {
  it("reapplies the API's signed events after the reset point, signature and all", async () => {
    const { input, handle } = await newOrder();
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 5_000, reference: 'wire-1' }] });
    await settled(handle);
    const events = (await handle.fetchHistory()).events ?? [];
    const firstTask = events.find((e) => e.workflowTaskCompletedEventAttributes);
    const { runId: firstRunId } = await handle.describe();
    const { runId } = await h.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId, runId: firstRunId },
      reason: 'operator reset (test)',
      workflowTaskFinishEventId: firstTask?.eventId,
      requestId: crypto.randomUUID(),
    });
    const rerun = h.client.workflow.getHandle<typeof order>(handle.workflowId, runId ?? undefined);
    const snapshot = await waitForSnapshot(rerun, (s) => s.status === 'awaiting_shipment');
    expect(snapshot).toMatchObject({ funded: 5_000, payments: [{ reference: 'wire-1' }] });
    expect((await h.ledger.entries(input.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 5_000],
    ]);
    await rerun.terminate('test done');
  });
});

describe('rotating the API key', () => {
  it('accepts both keys while clients move, then only the new one', async () => {
    const next = generateEventKeyPair();
    const oldClient = h.client;
    const newClient = clientWith(eventSigningInterceptor(next.secretKey));
    const pay = (client: Client, workflowId: string, reference: string) =>
      client.workflow
        .getHandle<typeof order>(workflowId)
        .executeUpdate(recordPaymentUpdate, { args: [{ amount: 1_000, reference }] });
    const { input, handle } = await newOrder();

    // Step 1: workers accept the old and the new key.
    await h.stopWorker();
    await h.startWorker({ eventPublicKeys: [TEST_EVENT_KEYS.publicKey, next.publicKey] });
    await pay(oldClient, handle.workflowId, 'wire-old');
    await pay(newClient, handle.workflowId, 'wire-new');

    // Step 3 (after step 2, every API signing with the new key): workers drop the old key.
    await h.stopWorker();
    await h.startWorker({ eventPublicKeys: [next.publicKey] });
    await expect(pay(oldClient, handle.workflowId, 'wire-old-2')).rejects.toMatchObject({
      cause: { type: UNSIGNED_EVENT, message: expect.stringContaining('key that is not accepted') },
    });
    await pay(newClient, handle.workflowId, 'wire-new-2');
    expect((await handle.query(orderQuery)).payments.map((p) => p.reference)).toEqual([
      'wire-old',
      'wire-new',
      'wire-new-2',
    ]);
    expect(await h.ledger.entries(input.orderId)).toHaveLength(3);

    await h.stopWorker();
    await h.startWorker();
    await handle.terminate('test done');
  });
});
