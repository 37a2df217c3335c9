import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { generateApiKey } from '../../config/api-keys.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';
import { loadOrCreateDevEventKeys } from '../dev-event-keys.js';
import { freePort } from '../free-port.js';
import {
  CLUSTER_NAMESPACE,
  type Cluster,
  clusterEngineAuthEnv,
  freeClusterPorts,
  startCluster,
  startEngineProcess,
  stopEngineProcess,
  type UpgradeTimings,
  upgradeTemporalServer,
} from './cluster.js';
import { TEMPORAL_DATABASE, VISIBILITY_DATABASE } from './server-config.js';
import { findTemporalServer, provisionTemporalServer, TEMPORAL_UPGRADE_PATH } from './temporal-server.js';

/**
 * `npm run cluster:upgrade-check`: the upgrade of docs/operations.md, proved on a cluster that holds
 * open orders. It starts the cluster on PostgreSQL at the first release of TEMPORAL_UPGRADE_PATH
 * with a worker and an API, brings orders into five open states, then upgrades the server one
 * minor at a time (stop, schemas, start) while the worker and the API keep running and the claims
 * keep receiving statements, retried through the downtime. After each step every order must still
 * read as it was, take an Update, and be found by a visibility list;
 * after the last, the orders are driven to their five ends and their outcomes and ledgers checked.
 * Builds the releases it lacks into the user cache first (about 7 minutes each on 2 cores, once),
 * or with `--if-built` does nothing unless all are there. Exits non-zero on the first thing that
 * is not as it should be.
 */
const log = (line: string) => console.log(line);
const FUNDED = 1_250_000;
/** The program's coverage of the check's supplier: far above what its open orders hold. */
const COVERAGE = 1_000_000_000_000;
const PER_KIND = 4;
const MINUTE = 60_000;

interface Kind {
  /** Where the order waits while the cluster is upgraded. */
  open: string;
  /** Takes a statement (an Update) on every release. */
  statements: boolean;
  outcome: string;
  reason: string;
  ledger: [string, number][];
}

/** Open states before the upgrade, and their ends after it. */
const KINDS = {
  /** Delivered; the buyer accepts after the upgrade. */
  accepted: {
    open: 'inspection',
    statements: false,
    outcome: 'released',
    reason: 'buyer_accepted',
    ledger: [
      ['funding', FUNDED],
      ['release', FUNDED],
    ],
  },
  /** A claim for everything in negotiation; the supplier accepts it after the upgrade. */
  claim: {
    open: 'negotiation',
    statements: true,
    outcome: 'refunded',
    reason: 'claim_accepted',
    ledger: [
      ['funding', FUNDED],
      ['refund', FUNDED],
    ],
  },
  /** Escalated to arbitration; an arbitrator splits after the upgrade. */
  arbitrated: {
    open: 'arbitration',
    statements: true,
    outcome: 'split',
    reason: 'arbitration',
    ledger: [
      ['funding', FUNDED],
      ['refund', 300_000],
      ['release', FUNDED - 300_000],
    ],
  },
  /** Funded and never shipped: its shipBy timer, set on the first release, fires during the upgrade. */
  late: {
    open: 'awaiting_shipment',
    statements: false,
    outcome: 'refunded',
    reason: 'late_shipment',
    ledger: [
      ['funding', FUNDED],
      ['refund', FUNDED],
    ],
  },
  /** Not funded; the buyer cancels after the upgrade. */
  cancelled: {
    open: 'awaiting_funding',
    statements: false,
    outcome: 'cancelled',
    reason: 'buyer_cancelled',
    ledger: [],
  },
} satisfies Record<string, Kind>;
type KindName = keyof typeof KINDS;

interface Order {
  id: string;
  kind: KindName;
}

const fail = (message: string): never => {
  throw new Error(message);
};

const started = Date.now();
// `--if-built` (CI): only when every release is in the cache already; a fresh machine would spend
// half an hour building the old ones.
const { values } = parseArgs({ options: { 'if-built': { type: 'boolean', default: false } } });
const missing = TEMPORAL_UPGRADE_PATH.filter((version) => !findTemporalServer(version));
if (values['if-built'] && missing.length > 0) {
  log(`[upgrade-check] not run: ${missing.join(', ')} not built (npm run cluster:upgrade-check builds them)`);
  process.exit(0);
}
// Every release first, so that a missing build fails before any cluster starts.
for (const version of TEMPORAL_UPGRADE_PATH) await provisionTemporalServer(log, version);

const dir = mkdtempSync(join(tmpdir(), 'escrow-upgrade-'));
// PostgreSQL runs as an unprivileged user when we are root: it must be able to enter the directory.
chmodSync(dir, 0o755);
const [first, ...later] = TEMPORAL_UPGRADE_PATH;
const cluster: Cluster = await startCluster({
  dir,
  ports: await freeClusterPorts(),
  fast: true,
  serverVersion: first,
  log,
});
const engines: string[] = [];
let passed = false;
try {
  await run(cluster);
  passed = true;
} catch (err) {
  log(`\n[upgrade-check] FAILED: ${(err as Error).stack ?? err}`);
  log(`[upgrade-check] the cluster's logs are kept in ${join(dir, 'logs')}`);
  process.exitCode = 1;
} finally {
  for (const name of engines.reverse()) await stopEngineProcess(cluster, name);
  await cluster.stop();
  if (passed) rmSync(dir, { recursive: true, force: true });
}

async function run(cluster: Cluster): Promise<void> {
  const pool = createPool(cluster.databaseUrl, 1);
  await migrate(pool).finally(() => pool.end());
  const bundle = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'));
  const eventKeys = loadOrCreateDevEventKeys(join(dir, 'dev-event-keys.json'), log);
  const dossierKeys = loadOrCreateDevEventKeys(join(dir, 'dev-dossier-key.json'), log, 'dossier signing');
  const keys = { marketplace: generateApiKey(), arbitrator: generateApiKey() };
  const apiPort = await freePort();
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: cluster.frontendAddress,
    TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE,
    DATABASE_URL: cluster.databaseUrl,
    DATABASE_POOL_SIZE: '4',
    WORKFLOW_BUNDLE_PATH: bundle,
    LOG_LEVEL: 'info',
    // Every open order of the check is its one supplier's: the program's coverage must hold them all.
    PROGRAM_PROVISIONAL_LIMITS: `*:${COVERAGE}`,
    PROGRAM_MAX_LIMIT: String(COVERAGE),
    ...extra,
  });
  await startEngineProcess(
    cluster,
    'worker',
    1,
    env({ EVENT_PUBLIC_KEYS: eventKeys.publicKey, ...clusterEngineAuthEnv(cluster, 'worker') }),
  );
  engines.push('worker-1');
  await startEngineProcess(
    cluster,
    'api',
    1,
    env({
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      API_KEYS: `marketplace:${keys.marketplace},arbitrator:${keys.arbitrator}`,
      RATE_LIMIT_PER_MINUTE: '100000',
      EVENT_SIGNING_KEY: eventKeys.secretKey,
      DOSSIER_SIGNING_KEY: dossierKeys.secretKey,
      ...clusterEngineAuthEnv(cluster, 'api'),
    }),
  );
  engines.push('api-1');
  const api = client(`http://127.0.0.1:${apiPort}`, keys);
  const supplier = `upgrade-${randomUUID()}`;
  await api.ok('PUT', `/v1/suppliers/${supplier}`, { name: 'Upgrade Steel', country: 'DE', enrolled: true });

  // The open orders, on the first release.
  let began = Date.now();
  const orders: Order[] = [];
  for (const kind of Object.keys(KINDS) as KindName[]) {
    for (let i = 0; i < PER_KIND; i++) orders.push({ id: `U-${kind}-${i}-${randomUUID()}`, kind });
  }
  // The late ones first: their short deadlines leave no room for a queue.
  const late = orders.filter((o) => o.kind === 'late');
  await Promise.all(late.map((order) => open(api, order, supplier)));
  await Promise.all(orders.filter((o) => o.kind !== 'late').map((order) => open(api, order, supplier)));
  const created = Date.now() - began;
  log(`[upgrade-check] ${orders.length} open orders on ${first} in ${created} ms`);
  const refundedOnFirst = await checkOpen(api, orders, supplier, first as string);
  const opened = `started, ${orders.length} orders opened in ${seconds(created)}`;
  const rows = [`| ${first} | ${await schemaVersions(cluster)} | ${opened} | | | ${refundedOnFirst} |`];

  // Statements the supplier keeps sending to the claims during each step, one at a time per order,
  // each retried until accepted: every one must be in the order exactly once at the end.
  const sentDuringSteps = new Map<string, number>();
  for (const version of later) {
    const step = Date.now();
    let stepping = true;
    const retriedBefore = api.retried();
    let longest = 0;
    const senders = orders
      .filter((o) => o.kind === 'claim')
      .map(async (order) => {
        while (stepping) {
          const text = `sent during the upgrade to ${version}`;
          const sent = Date.now();
          await api.ok('POST', `/v1/orders/${order.id}/statements`, {
            party: 'supplier',
            text,
            evidence: [],
          });
          longest = Math.max(longest, Date.now() - sent);
          sentDuringSteps.set(order.id, (sentDuringSteps.get(order.id) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 1_000));
        }
      });
    const timings: UpgradeTimings = await upgradeTemporalServer(cluster, version, log).finally(() => {
      stepping = false;
    });
    await Promise.all(senders);
    const retried = api.retried() - retriedBefore;
    const serverVersion = await reportedVersion(cluster);
    if (`v${serverVersion}` !== version) fail(`the frontend reports ${serverVersion}, not ${version}`);
    const refunded = await checkOpen(api, orders, supplier, version);
    const checked = Date.now() - step;
    rows.push(
      `| ${version} | ${await schemaVersions(cluster)} | stop ${seconds(timings.stop)}, schemas ${seconds(
        timings.schemas,
      )}, start ${seconds(timings.start)} | ${seconds(checked)} | ${seconds(longest)}, ${retried} retried | ${refunded} |`,
    );
  }

  // The ends, on the last release.
  began = Date.now();
  await Promise.all(orders.map((order) => finish(api, order)));
  const outcomes = new Map<string, number>();
  for (const order of orders) {
    const kind: Kind = KINDS[order.kind];
    const closed = await api.until(order.id, (s) => s.status === 'closed', 2 * MINUTE);
    const got = [closed.outcome, closed.reason];
    if (got.join() !== [kind.outcome, kind.reason].join()) {
      fail(`${order.id}: closed ${got.join('/')}, expected ${kind.outcome}/${kind.reason}`);
    }
    const ledger = (await api.ok('GET', `/v1/orders/${order.id}/ledger`)).entries.map(
      (e: { kind: string; amount: number }) => [e.kind, e.amount],
    );
    if (JSON.stringify(ledger) !== JSON.stringify(kind.ledger)) {
      fail(`${order.id}: ledger ${JSON.stringify(ledger)}, expected ${JSON.stringify(kind.ledger)}`);
    }
    if (kind.statements) {
      const statements = closed.dispute?.statements?.length ?? 0;
      const expected = TEMPORAL_UPGRADE_PATH.length + (sentDuringSteps.get(order.id) ?? 0);
      if (statements !== expected) fail(`${order.id}: ${statements} statements, ${expected} sent`);
    }
    const key = `${kind.outcome}/${kind.reason}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const ended = Date.now() - began;

  log('\n[upgrade-check] passed');
  log(
    '| release | schemas (temporal, visibility) | step | step and checks | longest statement sent during the step | late orders |',
  );
  log('|---|---|---|---|---|---|');
  for (const row of rows) log(row);
  const during = [...sentDuringSteps.values()].reduce((a, b) => a + b, 0);
  log(`\n${during} statements sent during the steps, each in its order once.`);
  log(
    `${orders.length} orders, ended on ${later.at(-1)} in ${seconds(ended)}: ${[...outcomes]
      .map(([key, n]) => `${n} ${key}`)
      .join(', ')}; every ledger as expected. Total ${seconds(Date.now() - started)}.`,
  );
}

/** Brings an order into its kind's open state. */
async function open(api: Api, order: Order, supplier: string): Promise<void> {
  const path = `/v1/orders/${order.id}`;
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  const late = order.kind === 'late';
  await api.ok('POST', '/v1/orders', {
    orderId: order.id,
    buyer: { id: 'buyer-1', name: 'Acme Buyer' },
    supplier: { id: supplier, name: 'Upgrade Steel' },
    currency: 'USD',
    amount: FUNDED,
    fundBy: at(late ? 10_000 : 60 * MINUTE),
    // Set on the first release, due while the cluster is being upgraded.
    shipBy: at(late ? 20_000 : 61 * MINUTE),
    inspectionWindow: 'PT1H',
    negotiationWindow: 'PT1H',
    arbitrationSla: 'PT1H',
    quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
    quality: [{ attribute: 'moisture', max: 12, unit: '%' }],
  });
  if (order.kind === 'cancelled') return;
  await api.ok('POST', `${path}/payments`, { amount: FUNDED, reference: `wire-${order.id}` });
  if (order.kind === 'late') return;
  await api.ok('POST', `${path}/shipment`, { carrier: 'Maersk', trackingNumber: 'MSKU1234565' });
  await api.ok('POST', `${path}/delivery`, {});
  if (order.kind === 'accepted') return;
  await api.ok('POST', `${path}/claims`, {
    reason: 'quality',
    description: 'mould on 40 bags',
    requestedRefund: order.kind === 'claim' ? FUNDED : 400_000,
    evidence: [],
  });
  if (order.kind === 'arbitrated') {
    await api.ok('POST', `${path}/settlement`, { party: 'buyer', action: 'escalate', reason: 'no offer' });
  }
}

/**
 * After a step: every order reads as it was left (a late order may have been refunded by its timer
 * meanwhile), the disputed ones take a statement, and a visibility list finds the arbitration queue.
 */
async function checkOpen(api: Api, orders: Order[], supplier: string, version: string): Promise<string> {
  let refunded = 0;
  await Promise.all(
    orders.map(async (order) => {
      const kind: Kind = KINDS[order.kind];
      if (kind.statements) {
        const text = `still here on ${version}`;
        await api.ok('POST', `/v1/orders/${order.id}/statements`, { party: 'buyer', text, evidence: [] });
      }
      const snapshot = await api.ok('GET', `/v1/orders/${order.id}`);
      const fired = order.kind === 'late' && snapshot.status === 'closed';
      if (fired) refunded++;
      if (snapshot.status !== kind.open && !fired) {
        fail(`${order.id} on ${version}: ${snapshot.status}, expected ${kind.open}`);
      }
    }),
  );
  const queue = orders.filter((o) => o.kind === 'arbitrated').map((o) => o.id);
  const deadline = Date.now() + MINUTE;
  for (;;) {
    const listed = await api.ok('GET', `/v1/orders?status=arbitration&supplierId=${supplier}&limit=100`);
    const ids = listed.orders.map((o: { orderId: string }) => o.orderId).sort();
    if (JSON.stringify(ids) === JSON.stringify(queue.sort())) break;
    if (Date.now() > deadline)
      fail(`on ${version} the arbitration queue lists ${ids.length} of ${queue.length}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const late = `${refunded} of ${PER_KIND} late orders refunded by their timer`;
  log(`[upgrade-check] on ${version}: every order as it was, statements taken, the queue listed; ${late}`);
  return late;
}

/** Drives an order from its open state to its kind's end. */
async function finish(api: Api, order: Order): Promise<void> {
  const path = `/v1/orders/${order.id}`;
  if (order.kind === 'accepted') await api.ok('POST', `${path}/acceptance`, {});
  if (order.kind === 'claim')
    await api.ok('POST', `${path}/settlement`, {
      party: 'supplier',
      action: 'accept_claim',
      returnGoods: false,
    });
  if (order.kind === 'arbitrated') {
    await api.ok(
      'POST',
      `${path}/arbitration`,
      { outcome: 'split', refundAmount: 300_000, arbitrator: 'arb-1', rationale: 'partly mouldy' },
      'arbitrator',
    );
  }
  if (order.kind === 'cancelled')
    await api.ok('POST', `${path}/cancel`, { party: 'buyer', reason: 'no longer needed' });
}

/** The schema versions the cluster's databases are at, as `1.19, 1.14`. */
async function schemaVersions(cluster: Cluster): Promise<string> {
  const versions: string[] = [];
  for (const database of [TEMPORAL_DATABASE, VISIBILITY_DATABASE]) {
    const url = new URL(cluster.databaseUrl);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT curr_version FROM schema_version');
      versions.push(rows[0]?.curr_version ?? '?');
    } finally {
      await client.end();
    }
  }
  return versions.join(', ');
}

async function reportedVersion(cluster: Cluster): Promise<string> {
  const connection = await Connection.connect({ address: cluster.frontendAddress });
  try {
    return (await connection.workflowService.getSystemInfo({})).serverVersion ?? '?';
  } finally {
    await connection.close();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

type Api = ReturnType<typeof client>;

/**
 * The marketplace and the arbitrator over HTTP. Like a real client it retries a 503 (nothing was
 * changed) and a refused connection with the same Idempotency-Key.
 */
function client(base: string, keys: { marketplace: string; arbitrator: string }) {
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON bodies, checked field by field above
  type Body = any;
  let retries = 0;
  async function ok(
    method: string,
    path: string,
    body?: unknown,
    as: keyof typeof keys = 'marketplace',
  ): Promise<Body> {
    const idempotencyKey = randomUUID();
    const deadline = Date.now() + 2 * MINUTE;
    for (;;) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${keys[as]}`,
          ...(method === 'POST' ? { 'idempotency-key': idempotencyKey } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch((err: Error) => err);
      const retry = response instanceof Error || response.status === 503;
      if (!retry) {
        const text = await response.text();
        if (response.status >= 300) fail(`${method} ${path}: HTTP ${response.status} ${text}`);
        return text ? JSON.parse(text) : undefined;
      }
      if (Date.now() > deadline) {
        fail(`${method} ${path}: ${response instanceof Error ? response.message : 'HTTP 503'} for 2 minutes`);
      }
      retries++;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  async function until(orderId: string, done: (snapshot: Body) => boolean, timeoutMs: number): Promise<Body> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const snapshot = await ok('GET', `/v1/orders/${orderId}`);
      if (done(snapshot)) return snapshot;
      if (Date.now() > deadline) fail(`${orderId}: still ${snapshot.status} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  /** Attempts answered 503 or refused so far, each retried. */
  const retried = () => retries;
  return { ok, until, retried };
}
