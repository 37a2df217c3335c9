import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, orderReads, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

/** docs/spec.md#extensions over HTTP: extensions by agreement, every row and every refusal. */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const DAY = 24 * 3600 * 1000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = (orderId: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  api.call('POST', `/v1/orders/${orderId}/${path}`, { body, headers });
const { snapshot: get, closed, eventTypes } = orderReads(() => api);

async function funded(overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract(overrides);
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  await post(contract.orderId, 'payments', { amount: contract.amount, reference: 'wire-1' });
  return { orderId: contract.orderId, snapshot: await get(contract.orderId) };
}

async function inStatus(status: 'in_transit' | 'inspection' | 'negotiation') {
  const { orderId } = await funded();
  await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
  if (status !== 'in_transit') await post(orderId, 'delivery', {});
  if (status === 'negotiation') {
    const tooWet = { measurements: { moisture: 14, grade: 'A' }, receivedQuantity: 1000, evidence: [] };
    await post(orderId, 'inspection', tooWet);
  }
  const snapshot = await get(orderId);
  expect(snapshot.status).toBe(status);
  return { orderId, snapshot };
}

// The parties answer within seconds of creation, before shipBy: under a loaded machine's latency
// (create, pay, propose and answer took over 6 s at load 18), 15 s leaves room.
describe('extensions by agreement', () => {
  it('shipBy: the supplier proposes (201), the buyer accepts; shipBy and deliverBy move, the old deadline no longer fires', async () => {
    const deliverBy = at(30 * DAY);
    const { orderId, snapshot } = await funded({ fundBy: at(4_000), shipBy: at(15_000), deliverBy });
    const until = plus(snapshot.deadlines.shipBy, DAY);
    const proposal = { party: 'supplier', deadline: 'shipBy', until, reason: 'port strike in Rotterdam' };
    const proposed = await post(orderId, 'extensions', proposal);
    expect(proposed.status).toBe(201);
    expect(proposed.body.extensions.at(-1)).toMatchObject({
      extensionId: 'ext-1',
      ...proposal,
      status: 'proposed',
      proposedAt: expect.any(String),
    });

    const accepted = await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'accept' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.extensions[0]).toMatchObject({ status: 'accepted', answeredAt: expect.any(String) });
    expect(accepted.body.deadlines).toMatchObject({ shipBy: until, deliverBy: plus(deliverBy, DAY) });
    expect(accepted.body.contract).toMatchObject({ shipBy: snapshot.contract.shipBy, deliverBy });

    await sleep(Math.max(0, Date.parse(snapshot.deadlines.shipBy) + 1_500 - Date.now()));
    expect((await get(orderId)).status).toBe('awaiting_shipment');
    // The validator checks the deadline in force: a shipment after the signed shipBy is on time.
    const shipped = await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-2' });
    expect(shipped.status).toBe(200);
    expect(shipped.body.status).toBe('in_transit');
    expect(await eventTypes(orderId, 'order.extension_accepted')).toEqual(
      expect.arrayContaining(['order.extension_proposed', 'order.extension_accepted']),
    );
    const timeline = (await get(orderId)).timeline.map((t: { event: string }) => t.event);
    expect(timeline).toEqual(expect.arrayContaining(['extension_proposed', 'extension_accepted']));
  });

  it('the moved deadline fires at its new time: late shipment after the extended shipBy', async () => {
    const { orderId, snapshot } = await funded({ fundBy: at(4_000), shipBy: at(15_000) });
    const until = plus(snapshot.deadlines.shipBy, 3_000);
    await post(orderId, 'extensions', {
      party: 'supplier',
      deadline: 'shipBy',
      until,
      reason: 'crane broke',
    });
    await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'accept' });
    await sleep(Math.max(0, Date.parse(snapshot.deadlines.shipBy) + 1_000 - Date.now()));
    expect((await get(orderId)).status).toBe('awaiting_shipment');
    const done = await closed(orderId);
    expect(done).toMatchObject({ outcome: 'refunded', reason: 'late_shipment' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
  });

  it('a rejected proposal changes nothing; an open one expires when its deadline passes', async () => {
    const { orderId, snapshot } = await funded({ fundBy: at(4_000), shipBy: at(15_000) });
    const shipBy = snapshot.deadlines.shipBy;
    const ask = (reason: string) =>
      post(orderId, 'extensions', {
        party: 'supplier',
        deadline: 'shipBy',
        until: plus(shipBy, DAY),
        reason,
      });
    expect((await ask('first try')).status).toBe(201);
    const rejected = await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'reject' });
    expect(rejected.body.extensions[0].status).toBe('rejected');
    expect(rejected.body.deadlines.shipBy).toBe(shipBy);
    expect((await ask('second try')).status).toBe(201);

    const done = await closed(orderId);
    expect(done).toMatchObject({ outcome: 'refunded', reason: 'late_shipment' });
    expect(done.extensions.map((e: { status: string }) => e.status)).toEqual(['rejected', 'expired']);
    expect(await eventTypes(orderId, 'order.extension_expired')).toEqual(
      expect.arrayContaining(['order.extension_rejected', 'order.extension_expired']),
    );
  });

  it('an open proposal expires when the status changes', async () => {
    const { orderId, snapshot } = await funded();
    const until = plus(snapshot.deadlines.shipBy, DAY);
    await post(orderId, 'extensions', { party: 'supplier', deadline: 'shipBy', until, reason: 'maybe late' });
    const shipped = await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-3' });
    expect(shipped.body.extensions[0].status).toBe('expired');
    const late = await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'accept' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe('extension ext-1 is expired');
  });

  it('deliverBy, inspection and negotiation move the deadline running in their status', async () => {
    const transit = await inStatus('in_transit');
    const deliverBy = plus(transit.snapshot.deadlines.deliverBy, DAY);
    await post(transit.orderId, 'extensions', {
      party: 'supplier',
      deadline: 'deliverBy',
      until: deliverBy,
      reason: 'customs',
    });
    const d = await post(transit.orderId, 'extensions/ext-1', { party: 'buyer', action: 'accept' });
    expect(d.body.deadlines.deliverBy).toBe(deliverBy);

    const inspection = await inStatus('inspection');
    const ends = plus(inspection.snapshot.deadlines.inspectionEndsAt, DAY);
    await post(inspection.orderId, 'extensions', {
      party: 'buyer',
      deadline: 'inspection',
      until: ends,
      reason: 'lab backlog',
    });
    const i = await post(inspection.orderId, 'extensions/ext-1', { party: 'supplier', action: 'accept' });
    expect(i.body.deadlines.inspectionEndsAt).toBe(ends);

    const negotiation = await inStatus('negotiation');
    const until = plus(negotiation.snapshot.deadlines.negotiationEndsAt, DAY);
    for (const party of ['supplier', 'buyer'] as const) {
      const other = party === 'buyer' ? 'supplier' : 'buyer';
      const n = await post(negotiation.orderId, 'extensions', {
        party,
        deadline: 'negotiation',
        until: party === 'supplier' ? until : plus(until, DAY),
        reason: 'talking',
      });
      const id = n.body.extensions.at(-1).extensionId;
      const a = await post(negotiation.orderId, `extensions/${id}`, { party: other, action: 'accept' });
      expect(a.body.deadlines.negotiationEndsAt).toBe(party === 'supplier' ? until : plus(until, DAY));
    }
    const after = await get(negotiation.orderId);
    expect(after.status).toBe('negotiation');
    expect(after.extensions.map((e: { party: string; status: string }) => [e.party, e.status])).toEqual([
      ['supplier', 'accepted'],
      ['buyer', 'accepted'],
    ]);
  });

  it('answers a retried proposal with an Idempotency-Key once', async () => {
    const { orderId, snapshot } = await funded();
    const body = {
      party: 'supplier',
      deadline: 'shipBy',
      until: plus(snapshot.deadlines.shipBy, DAY),
      reason: 'r',
    };
    const headers = { 'idempotency-key': 'ext-attempt-1' };
    const first = await post(orderId, 'extensions', body, headers);
    const retry = await post(orderId, 'extensions', body, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await get(orderId)).extensions).toHaveLength(1);
  });
});

describe('extension refusals (docs/spec.md#refusals)', () => {
  it('400: a party that may never move that deadline, or a body that breaks the schema', async () => {
    const { orderId, snapshot } = await funded();
    const until = plus(snapshot.deadlines.shipBy, DAY);
    const buyer = await post(orderId, 'extensions', {
      party: 'buyer',
      deadline: 'shipBy',
      until,
      reason: 'x',
    });
    expect(buyer.status).toBe(400);
    expect(buyer.body.errors).toEqual([
      { path: 'party', message: 'only the supplier proposes to move shipBy' },
    ]);
    const noReason = await post(orderId, 'extensions', { party: 'supplier', deadline: 'shipBy', until });
    expect(noReason.status).toBe(400);
    const badAction = await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'maybe' });
    expect(badAction.status).toBe(400);
    expect((await get(orderId)).extensions).toEqual([]);
  });

  it('403 for a role that may not; 404 for an unknown order or extensionId', async () => {
    const { orderId, snapshot } = await funded();
    const body = {
      party: 'supplier',
      deadline: 'shipBy',
      until: plus(snapshot.deadlines.shipBy, DAY),
      reason: 'r',
    };
    const asArbitrator = await api.call('POST', `/v1/orders/${orderId}/extensions`, {
      body,
      as: 'arbitrator',
    });
    expect(asArbitrator.status).toBe(403);
    expect((await post('no-such-order', 'extensions', body)).status).toBe(404);
    const unknown = await post(orderId, 'extensions/ext-9', { party: 'buyer', action: 'accept' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      type: '/problems/extension-not-found',
      detail: 'no extension ext-9 on this order',
    });
  });

  it('409: the status does not run that deadline; a second open proposal; an answered proposal', async () => {
    const { orderId, snapshot } = await funded();
    const shipBy = snapshot.deadlines.shipBy;
    const wrong = await post(orderId, 'extensions', {
      party: 'supplier',
      deadline: 'deliverBy',
      until: plus(shipBy, DAY),
      reason: 'r',
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({
      currentStatus: 'awaiting_shipment',
      detail:
        'cannot propose a deliverBy extension while the order is awaiting_shipment; allowed in: in_transit',
    });
    const body = { party: 'supplier', deadline: 'shipBy', until: plus(shipBy, DAY), reason: 'r' };
    expect((await post(orderId, 'extensions', body)).status).toBe(201);
    const second = await post(orderId, 'extensions', { ...body, until: plus(shipBy, 2 * DAY) });
    expect(second.status).toBe(409);
    expect(second.body.detail).toBe('extension ext-1 of shipBy is still open: answer it first');
    await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'reject' });
    const again = await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'accept' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('extension ext-1 is rejected');
  });

  it("422: until not later, beyond the 90-day cap (across chained extensions), answering one's own proposal", async () => {
    const { orderId, snapshot } = await funded();
    const shipBy = snapshot.deadlines.shipBy;
    const propose = (until: string) =>
      post(orderId, 'extensions', { party: 'supplier', deadline: 'shipBy', until, reason: 'r' });
    const notLater = await propose(shipBy);
    expect(notLater.status).toBe(422);
    expect(notLater.body.detail).toContain('is not later than the shipBy deadline in force');
    const beyond = await propose(plus(shipBy, 90 * DAY + 1_000));
    expect(beyond.status).toBe(422);
    expect(beyond.body.detail).toContain(
      'beyond the cap: at most 90 days after the shipBy deadline first set',
    );

    expect((await propose(plus(shipBy, 60 * DAY))).status).toBe(201);
    const own = await post(orderId, 'extensions/ext-1', { party: 'supplier', action: 'accept' });
    expect(own.status).toBe(422);
    expect(own.body.detail).toBe('the supplier proposed extension ext-1: the other party answers it');
    await post(orderId, 'extensions/ext-1', { party: 'buyer', action: 'accept' });
    // 60 + 31 days is beyond the cap counted from the signed shipBy; 60 + 30 is not.
    expect((await propose(plus(shipBy, 91 * DAY))).status).toBe(422);
    expect((await propose(plus(shipBy, 90 * DAY))).status).toBe(201);
    expect((await get(orderId)).deadlines.shipBy).toBe(plus(shipBy, 60 * DAY));
  });
});

it('documents both routes in OpenAPI', async () => {
  const spec = await api.call('GET', '/docs/json', { as: null });
  const propose = spec.body.paths['/v1/orders/{orderId}/extensions'].post;
  const answer = spec.body.paths['/v1/orders/{orderId}/extensions/{extensionId}'].post;
  expect(Object.keys(propose.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '409', '422']));
  expect(Object.keys(answer.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409', '422']));
});
