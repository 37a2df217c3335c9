import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../workflows/model/messages.js';
import {
  MAX_EVIDENCE_ITEMS,
  MAX_EXTENSIONS,
  MAX_OFFERS,
  MAX_PAYMENTS,
  MAX_STATEMENT_TEXT_BYTES,
  MAX_STATEMENTS,
  MAX_TIMELINE_ENTRIES,
} from '../../workflows/schemas/caps.js';
import { type ApiUnderTest, withApi } from '../support/api-client.js';
import { at, type Harness, testContract } from '../support/harness.js';

/**
 * docs/spec.md#size-caps: an order driven to every cap over HTTP — 100 statements, 200 evidence
 * items, 64 KiB of statement text — is refused past each one (422) and its history stays far below
 * Temporal's limits of 2 MB per payload and 50 MB per history.
 */

let h: Harness;
let api: ApiUnderTest;
withApi((ready) => {
  ({ h, api } = ready);
});

const MB = 1024 * 1024;

/** Creates the order, pays it in full, ships and delivers it: it is in inspection. */
async function delivered(contract: ReturnType<typeof testContract>) {
  const post = (event: string, body: unknown) =>
    api.call('POST', `/v1/orders/${contract.orderId}/${event}`, { body });
  await api.call('POST', '/v1/orders', { body: contract });
  await post('payments', { amount: contract.amount, reference: 'wire-1' });
  await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
  await post('delivery', {});
  return { orderId: contract.orderId, post };
}

/** The order's whole history, page by page (one answer would pass gRPC's 4 MB message limit). */
async function historySizes(orderId: string): Promise<{ events: number; total: number; largest: number }> {
  const sizes: number[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await h.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: workflowIdFor(orderId) },
      maximumPageSize: 50,
      nextPageToken,
    });
    for (const e of page.history?.events ?? [])
      sizes.push(temporal.api.history.v1.HistoryEvent.encode(e).finish().byteLength);
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events: sizes.length, total: sizes.reduce((a, b) => a + b, 0), largest: Math.max(...sizes) };
}
const evidence = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    uri: `https://evidence.example.com/orders/${from}/photo-${String(i).padStart(3, '0')}.jpg`,
    sha256: 'a'.repeat(64),
    description: `${from}'s photo ${i} of the bags at unloading, warehouse 7`,
  }));

describe('size caps (docs/spec.md#size-caps)', () => {
  it('refuses past every cap with 422 and keeps the history far below Temporal’s limits', {
    timeout: 600_000,
  }, async () => {
    const contract = testContract({ negotiationWindow: 'P3D' });
    const { orderId, post } = await delivered(contract);
    const claim = await post('claims', {
      reason: 'damaged',
      description: 'Torn bags. '.repeat(360),
      requestedRefund: contract.amount,
      evidence: evidence('buyer', 20),
    });
    expect(claim.status).toBe(200);

    // 100 statements of 655 bytes: 65,500 of the 65,536 bytes; 9 of them carry 20 evidence items.
    const text = (i: number) =>
      `${i % 2 ? 'Supplier' : 'Buyer'} statement ${String(i).padStart(3, '0')}: `.padEnd(655, 'x');
    for (let i = 0; i < MAX_STATEMENTS; i++) {
      const party = i % 2 ? 'supplier' : 'buyer';
      if (i === MAX_STATEMENTS - 1) {
        const tooLong = await post('statements', { party, text: 'y'.repeat(4000) });
        expect(tooLong.status).toBe(422);
        expect(tooLong.body.detail).toContain(`at most ${MAX_STATEMENT_TEXT_BYTES} bytes of text`);
      }
      // Half of them in negotiation, half in arbitration.
      if (i === MAX_STATEMENTS / 2) {
        expect((await post('settlement', { party: 'buyer', action: 'escalate' })).body.status).toBe(
          'arbitration',
        );
      }
      if (i === 9) {
        const tooMuchEvidence = await post('statements', {
          party,
          text: 'one more photo',
          evidence: evidence(party, 1),
        });
        expect(tooMuchEvidence.status).toBe(422);
        expect(tooMuchEvidence.body.detail).toContain(`at most ${MAX_EVIDENCE_ITEMS} evidence items`);
      }
      const added = await post('statements', {
        party,
        text: text(i),
        evidence: i < 9 ? evidence(party, 20) : [],
      });
      expect(added.status, `statement ${i}`).toBe(200);
    }
    const full = await post('statements', { party: 'buyer', text: 'a' });
    expect(full.status).toBe(422);
    expect(full.body.detail).toContain(`most statements an order may have (${MAX_STATEMENTS})`);

    const snapshot = (await api.call('GET', `/v1/orders/${orderId}`)).body;
    expect(snapshot.dispute.statements).toHaveLength(MAX_STATEMENTS);
    const evidenceItems =
      snapshot.dispute.claim.evidence.length +
      snapshot.dispute.statements.reduce((n: number, s: { evidence: unknown[] }) => n + s.evidence.length, 0);
    expect(evidenceItems).toBe(MAX_EVIDENCE_ITEMS);

    const handle = h.client.workflow.getHandle(workflowIdFor(orderId));
    await handle.executeUpdate('arbitrate', {
      args: [{ outcome: 'refund', arbitrator: 'arb-1', rationale: 'capped', returnGoods: false }],
    });
    await handle.result();
    const { events, total, largest } = await historySizes(orderId);
    const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshot));
    console.log(
      `order at every dispute cap: ${events} history events, ${(total / MB).toFixed(2)} MB of history ` +
        `(limit 50 MB), largest event ${(largest / 1024).toFixed(0)} KiB (payload limit 2 MB), ` +
        `snapshot ${(snapshotBytes / 1024).toFixed(0)} KiB`,
    );
    expect(largest).toBeLessThan((2 * MB) / 4);
    expect(total).toBeLessThan((50 * MB) / 5);
  });

  it('refuses payments, offers and extension proposals past their caps with 422, and the order stays small', {
    timeout: 600_000,
  }, async () => {
    const part = 1_000;
    const contract = testContract({
      fundBy: at(600_000),
      shipBy: at(1_200_000),
      deposit: part * MAX_PAYMENTS,
      inspectionWindow: 'P7D',
      negotiationWindow: 'P3D',
    });
    const { orderId } = contract;
    const post = (event: string, body: unknown) =>
      api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    for (let i = 0; i < MAX_PAYMENTS; i++) {
      expect((await post('payments', { amount: part, reference: `part-${i}` })).status, `payment ${i}`).toBe(
        200,
      );
    }
    const oneMore = await post('payments', { amount: part, reference: 'part-extra' });
    expect(oneMore.status).toBe(422);
    expect(oneMore.body.detail).toContain(`the most payments an order may have (${MAX_PAYMENTS})`);
    // A repeated reference is still the no-op it always was.
    expect((await post('payments', { amount: part, reference: 'part-0' })).status).toBe(200);

    await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
    await post('delivery', {});
    expect(
      (await post('claims', { reason: 'damaged', description: 'torn', requestedRefund: part, evidence: [] }))
        .body.status,
    ).toBe('negotiation');
    for (let i = 0; i < MAX_OFFERS; i++) {
      const party = i % 2 ? 'supplier' : 'buyer';
      expect(
        (await post('settlement', { party, action: 'offer', refundAmount: 1 + i })).status,
        `offer ${i}`,
      ).toBe(200);
    }
    const offer = await post('settlement', { party: 'buyer', action: 'offer', refundAmount: 7 });
    expect(offer.status).toBe(422);
    expect(offer.body.detail).toContain(`the most offers an order may have (${MAX_OFFERS})`);

    const until = (i: number) => new Date(Date.now() + (4 + i) * 86_400_000).toISOString();
    for (let i = 0; i < MAX_EXTENSIONS; i++) {
      const party = i % 2 ? 'supplier' : 'buyer';
      const proposed = await post('extensions', {
        party,
        deadline: 'negotiation',
        until: until(i),
        reason: `ask ${i}`,
      });
      expect(proposed.status, `proposal ${i}`).toBe(201);
      const { extensionId } = proposed.body.extensions.at(-1);
      const other = party === 'buyer' ? 'supplier' : 'buyer';
      expect((await post(`extensions/${extensionId}`, { party: other, action: 'reject' })).status).toBe(200);
    }
    const proposal = await post('extensions', {
      party: 'buyer',
      deadline: 'negotiation',
      until: until(30),
      reason: 'x',
    });
    expect(proposal.status).toBe(422);
    expect(proposal.body.detail).toContain(
      `the most extension proposals an order may have (${MAX_EXTENSIONS})`,
    );

    const snapshot = (await api.call('GET', `/v1/orders/${orderId}`)).body;
    expect(snapshot.payments).toHaveLength(MAX_PAYMENTS);
    expect(snapshot.offers).toHaveLength(MAX_OFFERS);
    expect(snapshot.extensions).toHaveLength(MAX_EXTENSIONS);
    expect(
      (await post('settlement', { party: 'supplier', action: 'accept_claim', returnGoods: false })).status,
    ).toBe(200);
    await h.client.workflow.getHandle(workflowIdFor(orderId)).result();
    const { events, total, largest } = await historySizes(orderId);
    console.log(
      `order at the payment, offer and extension caps: ${events} history events, ${(total / MB).toFixed(2)} MB ` +
        `of history, largest event ${(largest / 1024).toFixed(0)} KiB, snapshot ${(Buffer.byteLength(JSON.stringify(snapshot)) / 1024).toFixed(0)} KiB`,
    );
    expect(largest).toBeLessThan((2 * MB) / 4);
    expect(total).toBeLessThan((50 * MB) / 5);
  });

  it('refuses every event but the arbitrator’s once the timeline is full, and the deadline still ends the order', {
    timeout: 600_000,
  }, async () => {
    const contract = testContract({
      inspectionWindow: 'PT90S',
      quality: [
        { attribute: 'moisture', max: 12 },
        { attribute: 'grade', oneOf: ['A'] },
      ],
    });
    const { orderId, post } = await delivered(contract);
    // A conforming report that leaves a term unmeasured keeps the order in inspection: the one
    // event that can repeat without a cap of its own.
    const partial = { measurements: { moisture: 10 }, receivedQuantity: 1000, evidence: [] };
    let timeline = (await api.call('GET', `/v1/orders/${orderId}`)).body.timeline.length;
    while (timeline < MAX_TIMELINE_ENTRIES) {
      const report = await post('inspection', partial);
      expect(report.status, `report at ${timeline} entries`).toBe(200);
      timeline = report.body.timeline.length;
    }
    const refused = await post('inspection', partial);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain(`the most entries an order may have (${MAX_TIMELINE_ENTRIES})`);
    expect((await post('acceptance', {})).status).toBe(422);
    const { events, total, largest } = await historySizes(orderId);
    expect(largest).toBeLessThan((2 * MB) / 4);
    expect(total).toBeLessThan((50 * MB) / 5);
    console.log(
      `order at the timeline cap: ${events} history events, ${(total / MB).toFixed(2)} MB of history`,
    );
    const closed = await h.client.workflow.getHandle(workflowIdFor(orderId)).result();
    expect(closed).toMatchObject({ status: 'closed', outcome: 'released', reason: 'inspection_lapsed' });
  });
});
