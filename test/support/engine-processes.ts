import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { freePort } from '../../scripts/free-port.js';
import { spawnTied } from '../../scripts/tied-child.js';
import { createDatabase } from './databases.js';
import { TEST_DOSSIER_KEYS, TEST_EVENT_KEYS } from './event-keys.js';
import { createHarness, type Harness } from './harness.js';
import { TEST_PROGRAM_ENV } from './test-suppliers.js';

const ROOT = join(import.meta.dirname, '../..');

/** A production process (`npm run worker` / `npm run api`) as its own OS process, as deployed. */
export interface EngineProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export function engineEnv(
  kind: 'worker' | 'api',
  taskQueue: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    // On an authorizing cluster: the worker's or the API's own client credentials.
    ...inject('temporalEngineAuthEnv')?.[kind],
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    // The run's own server: no profile of the developer's `temporal` CLI applies.
    TEMPORAL_CONFIG_FILE: '/dev/null',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    DATABASE_POOL_SIZE: '4',
    LOG_LEVEL: 'warn',
    EVENT_PUBLIC_KEYS: TEST_EVENT_KEYS.publicKey,
    EVENT_SIGNING_KEY: TEST_EVENT_KEYS.secretKey,
    DOSSIER_SIGNING_KEY: TEST_DOSSIER_KEYS.secretKey,
    ...TEST_PROGRAM_ENV,
    ...extra,
  };
}

export function spawnEngine(entry: 'worker/main.ts' | 'api/main.ts', env: NodeJS.ProcessEnv): EngineProcess {
  // A test file that crashes or is killed must not leave its workers polling.
  const child = spawnTied(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    deathSignal: 'SIGTERM',
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function waitForOutput(p: EngineProcess, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.output.join('').includes(text)) {
    if (p.child.exitCode !== null)
      throw new Error(`process exited ${p.child.exitCode}:\n${p.output.join('')}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" in ${timeoutMs}ms:\n${p.output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startWorkerProcess(taskQueue: string, extra: Record<string, string> = {}) {
  const p = spawnEngine('worker/main.ts', engineEnv('worker', taskQueue, { LOG_LEVEL: 'info', ...extra }));
  await waitForOutput(p, 'worker polling');
  return p;
}

export const API_KEY = 'scale-marketplace-key-0001';

export async function startApiProcess(taskQueue: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const p = spawnEngine(
    'api/main.ts',
    engineEnv('api', taskQueue, {
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_KEYS: `marketplace:${API_KEY}`,
      RATE_LIMIT_PER_MINUTE: '100000',
      ...extra,
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`api exited ${p.child.exitCode}:\n${p.output.join('')}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`api not ready:\n${p.output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ...p, url };
}

/**
 * A marketplace client. Like a real one it retries a 503 (a dependency was slow or unreachable and
 * nothing was changed) and a refused or dropped connection (a replica restarting) with the same
 * Idempotency-Key, so a retry that races the first attempt still applies the event once. `base`
 * is one API replica, or a load balancer's choice made again for every attempt.
 */
export async function call(base: string | (() => string), method: string, path: string, body?: unknown) {
  const idempotencyKey = randomUUID();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const url = typeof base === 'string' ? base : base();
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_KEY}`,
          ...(method === 'POST' ? { 'idempotency-key': idempotencyKey } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    const text = await response.text();
    if (response.status !== 503 || Date.now() > deadline) {
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `npm run worker` on a database of its own, with a harness on that database, for one test file. */
export interface OwnWorker {
  taskQueue: string;
  databaseUrl: string;
  worker: EngineProcess;
  h: Harness;
}

/**
 * Starts `npm run worker` on a new database before the file's tests and stops and drops both after
 * them: a Schedule's run acts on every row of its worker's database, and no other file's must change.
 */
export function withOwnWorker(queuePrefix: string, ready: (under: OwnWorker) => void): void {
  const taskQueue = `${queuePrefix}-${randomUUID()}`;
  let db: Awaited<ReturnType<typeof createDatabase>> | undefined;
  let worker: EngineProcess | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    db = await createDatabase();
    worker = await startWorkerProcess(taskQueue, { DATABASE_URL: db.url });
    h = await createHarness({ databaseUrl: db.url });
    ready({ taskQueue, databaseUrl: db.url, worker, h });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await worker?.kill();
    await db?.drop();
  });
}
