import { execFile } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jcs } from '../../api/dossier-chain.js';
import { generateEventKeyPair } from '../../workflows/rules/event-signature.js';
import {
  MAX_EVIDENCE_ITEMS,
  MAX_EXTENSIONS,
  MAX_OFFERS,
  MAX_PAYMENTS,
  MAX_STATEMENTS,
  MAX_TIMELINE_ENTRIES,
} from '../../workflows/schemas/caps.js';
import { type ApiUnderTest, eventually, startApi } from '../support/api-client.js';
import { disputedOrder, photo } from '../support/dossier-scenario.js';
import { at, createHarness, type Harness, testContract } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const KEY = generateEventKeyPair();

let h: Harness;
let api: ApiUnderTest;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  api = await startApi(h, { dossierSigningKey: KEY.secretKey });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const dossierOf = (orderId: string, accept = 'application/json', on = api) =>
  on.call('GET', `/v1/orders/${orderId}/dossier`, { as: 'reader', headers: { accept } });

/** A scratch folder inside the project, so that a script written there resolves its packages. */
function scratch(): string {
  const dir = join(ROOT, 'node_modules/.cache/dossier-test', String(process.pid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a command, answering its exit status and output rather than throwing on failure. */
async function exitOf(command: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: ROOT });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** The dossier with one byte of one event's JSON changed. */
function altered(dossier: { entries: { event: { data: { order: { funded: number } } } }[] }, index: number) {
  const copy = structuredClone(dossier);
  const entry = copy.entries[index];
  if (!entry) throw new Error(`no entry ${index}`);
  entry.event.data.order.funded += 1;
  return copy;
}

describe('the canonical JSON of the chain', () => {
  it('is RFC 8785: the canonicalize package writes the same bytes for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // JSON itself has no -0: what a parsed dossier holds is what JSON.parse gives.
        const parsed = JSON.parse(JSON.stringify(value));
        expect(jcs(parsed)).toBe(canonicalize(parsed));
      }),
      { numRuns: 2000 },
    );
    expect(jcs({ 10: 1, 9: 2, a: [1.5e-7, 1e21, 'é\u2028'] })).toBe(
      canonicalize({ 10: 1, 9: 2, a: [1.5e-7, 1e21, 'é\u2028'] }),
    );
  });
});

describe('GET /v1/orders/:orderId/dossier', () => {
  let orderId = '';
  let events: { type: string; sequence: number }[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: the dossier as the API answered it
  let dossier: any;

  beforeAll(async () => {
    ({ orderId, events } = await disputedOrder(api));
    const answer = await dossierOf(orderId);
    expect(answer.status).toBe(200);
    dossier = answer.body;
  }, 120_000);

  it('holds every event of the feed in sequence, chained with SHA-256 over RFC 8785 and signed with the dossier key', async () => {
    expect(dossier.entries.map((e: { event: unknown }) => e.event)).toEqual(events);
    let prev = '';
    for (const entry of dossier.entries) {
      expect(entry.prev).toBe(prev);
      const hash = createHash('sha256')
        .update(`${prev}\n${canonicalize(entry.event)}`)
        .digest('hex');
      expect(entry.hash).toBe(hash);
      prev = hash;
    }
    expect(dossier.head).toBe(prev);
    const key = (await api.call('GET', '/v1/dossier-key', { as: 'reader' })).body;
    expect(key).toEqual({
      algorithm: 'Ed25519',
      publicKey: KEY.publicKey,
      domain: 'trade-escrow/dossier/v1',
    });
    expect(dossier.publicKey).toBe(KEY.publicKey);
    const der = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(KEY.publicKey, 'hex'),
    ]);
    const signed = verify(
      null,
      Buffer.from(`trade-escrow/dossier/v1\n${orderId}\n${dossier.head}`),
      createPublicKey({ key: der, format: 'der', type: 'spki' }),
      Buffer.from(dossier.signature, 'hex'),
    );
    expect(signed).toBe(true);
  });

  it('names the evidence with its digests, the deadlines at each step, who decided, and the ledger', () => {
    expect(dossier.status).toBe('closed');
    expect(dossier.evidence).toEqual([
      expect.objectContaining({ source: 'claim', party: 'buyer', sha256: photo('buyer', 1).sha256 }),
      expect.objectContaining({ source: 'claim', party: 'buyer', sha256: photo('buyer', 2).sha256 }),
      expect.objectContaining({ source: 'statement', party: 'supplier', uri: photo('supplier', 3).uri }),
    ]);
    expect(dossier.deadlines).toHaveLength(dossier.entries.length);
    const arbitrated = dossier.deadlines.find((d: { type: string }) => d.type === 'order.arbitration_opened');
    expect(arbitrated.deadlines.arbitrationDueAt).toBeDefined();
    expect(dossier.decisions).toEqual([
      expect.objectContaining({
        type: 'order.arbitration_decided',
        by: 'arbitrator',
        arbitrator: 'arb-017',
        outcome: 'split',
        refundAmount: 400_000,
        rationale: expect.stringContaining('forty torn bags'),
      }),
      expect.objectContaining({ type: 'order.split', by: 'arbitrator', reason: 'arbitration' }),
    ]);
    expect(dossier.ledger.map((l: { kind: string; amount: number }) => [l.kind, l.amount])).toEqual([
      ['funding', 1_250_000],
      ['refund', 400_000],
      ['release', 850_000],
    ]);
  });

  it('checks with the TypeScript verifier of docs/dossier.md, which fails on an altered byte', async () => {
    const doc = readFileSync(join(ROOT, 'docs/dossier.md'), 'utf8');
    const code = /```ts\n(\/\/ verify-dossier\.ts[\s\S]*?)```/.exec(doc)?.[1] ?? '';
    expect(code.trim().split('\n').length).toBeLessThan(30);
    const py = /```python\n(# verify_dossier\.py[\s\S]*?)```/.exec(doc)?.[1] ?? '';
    expect(py.trim().split('\n').length).toBeLessThan(30);
    const dir = scratch();
    writeFileSync(join(dir, 'verify-dossier.ts'), code);
    writeFileSync(join(dir, 'dossier.json'), JSON.stringify(dossier, null, 2));
    writeFileSync(join(dir, 'altered.json'), JSON.stringify(altered(dossier, 3)));
    const verifier = join(dir, 'verify-dossier.ts');
    const good = await exitOf('node', [
      '--import',
      'tsx',
      verifier,
      join(dir, 'dossier.json'),
      KEY.publicKey,
    ]);
    expect(good).toEqual({
      code: 0,
      out: `ok: ${dossier.entries.length} events, signed by ${KEY.publicKey}\n`,
    });
    const bad = await exitOf('node', ['--import', 'tsx', verifier, join(dir, 'altered.json'), KEY.publicKey]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain(`event 4 (${dossier.entries[3].event.type}) was altered`);
    const otherKey = await exitOf('node', [
      '--import',
      'tsx',
      verifier,
      join(dir, 'dossier.json'),
      generateEventKeyPair().publicKey,
    ]);
    expect(otherKey.out).toContain('bad signature');
  });

  it('npm run dossier:verify holds the dossier and names the first altered event', async () => {
    const dir = scratch();
    const file = join(dir, 'verify-me.json');
    writeFileSync(file, JSON.stringify(dossier));
    const ok = await exitOf('npm', [
      'run',
      '-s',
      'dossier:verify',
      '--',
      file,
      '--public-key',
      KEY.publicKey,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`ok: order ${orderId}, ${dossier.entries.length} events`);

    for (const index of [0, 5, dossier.entries.length - 1]) {
      writeFileSync(file, JSON.stringify(altered(dossier, index)));
      const bad = await exitOf('npm', ['run', '-s', 'dossier:verify', '--', file]);
      expect(bad.code).toBe(1);
      const { sequence, type } = dossier.entries[index].event;
      expect(bad.out).toContain(`FAILED at entry ${index} (event ${sequence} ${type}`);
    }
    // Hashes recomputed to hide the change: the signature no longer matches the head.
    const forged = altered(dossier, 2);
    let prev = '';
    for (const entry of forged.entries as { event: unknown; prev: string; hash: string }[]) {
      entry.prev = prev;
      entry.hash = createHash('sha256')
        .update(`${prev}\n${canonicalize(entry.event)}`)
        .digest('hex');
      prev = entry.hash;
    }
    writeFileSync(file, JSON.stringify({ ...forged, head: prev }));
    const resigned = await exitOf('npm', ['run', '-s', 'dossier:verify', '--', file]);
    expect(resigned.code).toBe(1);
    expect(resigned.out).toContain('the signature does not match');
    writeFileSync(file, JSON.stringify(dossier));
    const pinned = await exitOf('npm', [
      'run',
      '-s',
      'dossier:verify',
      '--',
      file,
      '--public-key',
      generateEventKeyPair().publicKey,
    ]);
    expect(pinned.code).toBe(1);
  }, 60_000);

  it('answers a closed order from PostgreSQL alone: the same dossier with Temporal unreachable', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const offline = await startApi(h, {
      temporal: new Client({ connection }),
      dossierSigningKey: KEY.secretKey,
      upstreamTimeoutMs: 1_000,
    });
    try {
      const answer = await dossierOf(orderId, 'application/json', offline);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(dossier);
      const open = await dossierOf(`T-never-${Date.now()}`, 'application/json', offline);
      expect(open.status).toBe(503);
    } finally {
      await offline.close();
      await connection.close();
    }
  });

  it('answers the printable case report for Accept: text/html, with an SVG timeline and the parties’ words escaped', async () => {
    const answer = await dossierOf(orderId, 'text/html');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    const html = answer.body as string;
    expect(html).toContain('<svg');
    expect(html).toContain('Forty bags arrived torn');
    expect(html).toContain('a refund of 400,000 covers them');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain(dossier.head);
  });
});

describe('the dossier of other orders', () => {
  it('answers an open order with the events so far, and 404 for an unknown one', async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const open = await eventually(
      () => dossierOf(contract.orderId),
      (r) => r.body.entries?.length > 0,
    );
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ status: 'awaiting_funding', ledger: [], decisions: [] });
    expect(open.body.entries[0].event.type).toBe('order.created');
    expect((await dossierOf(`T-unknown-${Date.now()}`)).status).toBe(404);
    expect((await api.call('GET', `/v1/orders/${contract.orderId}/dossier`, { as: null })).status).toBe(401);
  });

  it('answers an order at every size cap within the API’s limits', { timeout: 600_000 }, async () => {
    const contract = testContract({ negotiationWindow: 'P3D' });
    const { orderId } = contract;
    const post = (event: string, body: unknown) =>
      api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
    await api.call('POST', '/v1/orders', { body: contract });
    await post('payments', { amount: contract.amount, reference: 'wire-1' });
    await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
    await post('delivery', {});
    const evidence = (party: string, n: number) => Array.from({ length: n }, (_, i) => photo(party, i));
    expect(
      (
        await post('claims', {
          reason: 'damaged',
          description: 'Torn bags. '.repeat(360),
          requestedRefund: contract.amount,
          evidence: evidence('buyer', 20),
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < MAX_STATEMENTS; i++) {
      const party = i % 2 ? 'supplier' : 'buyer';
      const text = `${party} statement ${String(i).padStart(3, '0')}: `.padEnd(655, 'x');
      const added = await post('statements', { party, text, evidence: i < 9 ? evidence(party, 20) : [] });
      expect(added.status, `statement ${i}`).toBe(200);
    }
    await post('settlement', { party: 'buyer', action: 'escalate' });
    await api.call('POST', `/v1/orders/${orderId}/arbitration`, {
      as: 'arbitrator',
      body: { outcome: 'refund', arbitrator: 'arb-1', rationale: 'capped', returnGoods: false },
    });
    await eventually(
      () => api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
      (r) => r.body.events.some((e: { type: string }) => e.type === 'order.refunded'),
      30_000,
    );
    const started = Date.now();
    const answer = await dossierOf(orderId);
    const ms = Date.now() - started;
    expect(answer.status).toBe(200);
    const bytes = Buffer.byteLength(JSON.stringify(answer.body));
    const html = await dossierOf(orderId, 'text/html');
    expect(html.status).toBe(200);
    console.log(
      `dossier of an order at every cap: ${answer.body.entries.length} events, ${(bytes / 1024 / 1024).toFixed(2)} MB, ` +
        `answered in ${ms} ms (shared machine); case report ${(Buffer.byteLength(html.body) / 1024).toFixed(0)} KiB`,
    );
    expect(answer.body.evidence).toHaveLength(MAX_EVIDENCE_ITEMS);
    const dir = scratch();
    writeFileSync(join(dir, 'capped.json'), JSON.stringify(answer.body));
    expect((await exitOf('npm', ['run', '-s', 'dossier:verify', '--', join(dir, 'capped.json')])).code).toBe(
      0,
    );
    expect(bytes).toBeLessThan(32 * 1024 * 1024);
    expect(ms).toBeLessThan(10_000);
  });

  it('answers an order at the payment, offer and extension caps within the API’s limits', {
    timeout: 600_000,
  }, async () => {
    const part = 1_000;
    const contract = testContract({
      fundBy: at(600_000),
      shipBy: at(1_200_000),
      deposit: part * MAX_PAYMENTS,
      negotiationWindow: 'P3D',
    });
    const { orderId } = contract;
    const post = async (event: string, body: unknown) => {
      const answer = await api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
      expect(answer.status, `${event}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBeLessThan(300);
      return answer.body;
    };
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    for (let i = 0; i < MAX_PAYMENTS; i++) await post('payments', { amount: part, reference: `part-${i}` });
    await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
    await post('delivery', {});
    await post('claims', { reason: 'damaged', description: 'torn', requestedRefund: part, evidence: [] });
    for (let i = 0; i < MAX_OFFERS; i++)
      await post('settlement', { party: i % 2 ? 'supplier' : 'buyer', action: 'offer', refundAmount: 1 + i });
    for (let i = 0; i < MAX_EXTENSIONS; i++) {
      const party = i % 2 ? 'supplier' : 'buyer';
      const until = new Date(Date.now() + (4 + i) * 86_400_000).toISOString();
      const proposed = await post('extensions', {
        party,
        deadline: 'negotiation',
        until,
        reason: `ask ${i}`,
      });
      const { extensionId } = proposed.extensions.at(-1);
      await post(`extensions/${extensionId}`, {
        party: party === 'buyer' ? 'supplier' : 'buyer',
        action: 'reject',
      });
    }
    await post('settlement', { party: 'supplier', action: 'accept_claim', returnGoods: false });
    await eventually(
      () => api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
      (r) => r.body.events.some((e: { type: string }) => /order\.(split|refunded)/.test(e.type)),
      30_000,
    );
    const started = Date.now();
    const answer = await dossierOf(orderId);
    const ms = Date.now() - started;
    expect(answer.status).toBe(200);
    const bytes = Buffer.byteLength(JSON.stringify(answer.body));
    console.log(
      `dossier of an order at the payment, offer and extension caps: ${answer.body.entries.length} events, ` +
        `${(bytes / 1024 / 1024).toFixed(2)} MB, answered in ${ms} ms (shared machine)`,
    );
    const dir = scratch();
    writeFileSync(join(dir, 'capped-payments.json'), JSON.stringify(answer.body));
    expect(
      (await exitOf('npm', ['run', '-s', 'dossier:verify', '--', join(dir, 'capped-payments.json')])).code,
    ).toBe(0);
    expect((await dossierOf(orderId, 'text/html')).status).toBe(200);
    expect(bytes).toBeLessThan(32 * 1024 * 1024);
    expect(ms).toBeLessThan(10_000);
  });

  it('answers an order at the timeline cap, still open, within the API’s limits', {
    timeout: 600_000,
  }, async () => {
    const contract = testContract({ inspectionWindow: 'P1D' });
    const { orderId } = contract;
    const post = (event: string, body: unknown) =>
      api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    await post('payments', { amount: contract.amount, reference: 'wire-1' });
    await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
    await post('delivery', {});
    // A conforming report that leaves a term unmeasured keeps the order in inspection.
    const partial = { measurements: { moisture: 10 }, receivedQuantity: 1000, evidence: [photo('buyer', 1)] };
    let timeline = 0;
    while (timeline < MAX_TIMELINE_ENTRIES) {
      const report = await post('inspection', partial);
      expect(report.status).toBe(200);
      timeline = report.body.timeline.length;
    }
    const answer = await dossierOf(orderId);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('inspection');
    const bytes = Buffer.byteLength(JSON.stringify(answer.body));
    console.log(
      `dossier of an open order at the timeline cap: ${answer.body.entries.length} events, ${(bytes / 1024).toFixed(0)} KiB`,
    );
    expect((await dossierOf(orderId, 'text/html')).status).toBe(200);
    expect(bytes).toBeLessThan(32 * 1024 * 1024);
  });
});
