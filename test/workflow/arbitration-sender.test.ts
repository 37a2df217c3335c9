import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { arbitrateUpdate } from '../../workflows/model/messages.js';
import type { order } from '../../workflows/order-workflow.js';
import { type ApiUnderTest, startApi, withApi } from '../support/api-client.js';
import type { Harness } from '../support/harness.js';
import { disputedOrder } from '../support/scenarios.js';

/*
 * Who sent a decision: the workflow cannot see the caller of an Update, Temporal records the
 * caller's identity with the accepted Update, and the API shows it beside the decision.
 */
let h: Harness;
let api: ApiUnderTest;
withApi((ready) => {
  ({ h, api } = ready);
});

const decision = {
  outcome: 'refund',
  arbitrator: 'arb-7',
  rationale: 'goods never matched the contract',
  returnGoods: false,
} as const;

/** The case file as the Web UI shows it: the workflow's current details. */
async function caseFileOf(handle: { query<R>(name: string): Promise<R> }): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** A disputed order decided by a Temporal client with that identity, run to its close. */
async function decidedBy(identity: string) {
  const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
  const arbitrator = new Client({ connection: h.client.connection, identity });
  await arbitrator.workflow
    .getHandle<typeof order>(handle.workflowId)
    .executeUpdate(arbitrateUpdate, { args: [decision] });
  return { input, handle, closed: await handle.result() };
}

describe('the sender of a decision', () => {
  it('shows the identity Temporal recorded with the decision beside what the arbitrator typed', async () => {
    const { input, handle, closed } = await decidedBy('alice@arbitration.example');
    expect(closed.decision).toMatchObject({ ...decision, sentBy: 'alice@arbitration.example' });

    const { status, body } = await api.call('GET', `/v1/orders/${input.orderId}`, { as: 'reader' });
    expect(status).toBe(200);
    expect(body.decision).toMatchObject({ ...decision, sentBy: 'alice@arbitration.example' });
    const [refund] = await h.ledger.entries(input.orderId).then((e) => e.filter((x) => x.kind === 'refund'));
    expect(refund?.memo).toBe(
      'arbitration: arbitrator arb-7 decided refund: goods never matched the contract (sent by alice@arbitration.example)',
    );
    expect(await caseFileOf(handle)).toContain(
      'Sent by alice@arbitration.example, as Temporal recorded the caller.',
    );
  });

  it('says so everywhere when the sender declared no identity', async () => {
    const { input, handle, closed } = await decidedBy('');
    expect(closed.decision?.sentBy).toBeNull();
    const { body } = await api.call('GET', `/v1/orders/${input.orderId}`, { as: 'reader' });
    expect(body.decision).toMatchObject({ ...decision, sentBy: null });
    const [refund] = await h.ledger.entries(input.orderId).then((e) => e.filter((x) => x.kind === 'refund'));
    expect(refund?.memo).toMatch(/\(the sender declared no identity\)$/);
    expect(await caseFileOf(handle)).toContain('Sent by a caller that declared no identity to Temporal');
  });

  it('shows the sender of a closed order from PostgreSQL alone, while Temporal cannot be reached', async () => {
    const { input } = await decidedBy('bob@arbitration.example');

    // Nothing listens on port 1: any Query or history read would fail, and the GET with it.
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const cut = await startApi(h, { temporal: unreachable, upstreamTimeoutMs: 2000 });
    try {
      const { status, body } = await cut.call('GET', `/v1/orders/${input.orderId}`, { as: 'reader' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'closed', outcome: 'refunded', reason: 'arbitration' });
      expect(body.decision).toMatchObject({ ...decision, sentBy: 'bob@arbitration.example' });
    } finally {
      await cut.close();
      await unreachable.connection.close();
    }
  });

  it('records the API process as the sender of a decision made through the API', async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    const sent = await api.call('POST', `/v1/orders/${input.orderId}/arbitration`, {
      as: 'arbitrator',
      body: decision,
    });
    expect(sent.status).toBe(200);
    await handle.result();
    const { body } = await api.call('GET', `/v1/orders/${input.orderId}`, { as: 'reader' });
    expect(body.decision).toMatchObject({ ...decision, sentBy: h.client.options.identity });
  });

  it('gives no sender before a decision', async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    const { body } = await api.call('GET', `/v1/orders/${input.orderId}`, { as: 'reader' });
    expect(body.status).toBe('arbitration');
    expect(body.decision).toBeUndefined();
    await handle.terminate('test done');
  });
});
