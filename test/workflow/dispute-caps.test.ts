import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  MAX_EVIDENCE_ITEMS,
  MAX_STATEMENT_TEXT_BYTES,
  MAX_STATEMENTS,
} from '../../workflows/handlers/statements.js';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { type ApiUnderTest, withApi } from '../support/api-client.js';
import { type Harness, testContract } from '../support/harness.js';

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
    const { orderId } = contract;
    const post = (event: string, body: unknown) =>
      api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
    await api.call('POST', '/v1/orders', { body: contract });
    await post('payments', { amount: contract.amount, reference: 'wire-1' });
    await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
    await post('delivery', {});
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
      args: [{ outcome: 'refund', arbitrator: 'arb-1', rationale: 'capped' }],
    });
    await handle.result();
    // Page by page: the whole history in one answer would pass gRPC's 4 MB message limit.
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
    const total = sizes.reduce((a, b) => a + b, 0);
    const largest = Math.max(...sizes);
    const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshot));
    console.log(
      `order at every cap: ${sizes.length} history events, ${(total / MB).toFixed(2)} MB of history ` +
        `(limit 50 MB), largest event ${(largest / 1024).toFixed(0)} KiB (payload limit 2 MB), ` +
        `snapshot ${(snapshotBytes / 1024).toFixed(0)} KiB`,
    );
    expect(largest).toBeLessThan((2 * MB) / 4);
    expect(total).toBeLessThan((50 * MB) / 5);
  });
});
