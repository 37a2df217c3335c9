import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { freePort } from '../free-port.js';
import { spawnTied } from '../tied-child.js';
import type { Progress } from './progress.js';
import type { Teardown } from './teardown.js';

const { temporal } = proto;

interface EngineProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface EngineOptions {
  root: string;
  /** What both processes share: the servers, the task queue, the bundle, the keys, the webhooks. */
  env: NodeJS.ProcessEnv;
  /** The `API_KEYS` of the API. */
  apiKeys: string;
  nodeFlags: string[];
  client: Client;
  taskQueue: string;
  teardown: Teardown;
  progress: Progress;
}

/** The API and the worker, as `npm run api` and `npm run worker` run them. */
export interface Engines {
  apiUrl: string;
  /** The API's and the current worker's, for their CPU and memory. */
  pids(): { worker: number | undefined; api: number | undefined };
  /** Runs `during` while no worker runs, then starts a new worker. */
  withoutWorker<T>(during: () => Promise<T>): Promise<T>;
}

/** The flags `npm run worker` gives node (package.json), so that the worker's RSS is the deployed one. */
export function workerNodeFlags(root: string): string[] {
  return (
    /exec node (.*?)--import tsx/.exec(
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.worker,
    )?.[1] ?? ''
  )
    .split(' ')
    .filter(Boolean);
}

/** Starts the API and a worker, and answers once the worker polls and the API is ready. */
export async function startEngines(options: EngineOptions): Promise<Engines> {
  const { client, taskQueue, teardown } = options;
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = spawnEngine(options.root, 'api/main.ts', {
    ...options.env,
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_KEYS: options.apiKeys,
  });
  teardown.add(() => api.stop());
  const startWorker = async (): Promise<EngineProcess> => {
    const worker = spawnEngine(options.root, 'scripts/bench/worker.ts', options.env, options.nodeFlags);
    teardown.add(() => worker.stop());
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
  };
  let worker = await startWorker();
  for (let ready = false; !ready; ) {
    ready = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await sleep(200);
  }
  options.progress(
    `worker (pid ${worker.child.pid}) polling ${taskQueue}; API (pid ${api.child.pid}) ready at ${apiUrl}`,
  );
  return {
    apiUrl,
    pids: () => ({ worker: worker.child.pid, api: api.child.pid }),
    async withoutWorker(during) {
      await worker.stop();
      const result = await during();
      worker = await startWorker();
      return result;
    },
  };
}

function spawnEngine(
  root: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): EngineProcess {
  // Tied to this process: a benchmark stopped or crashed halfway leaves no worker or API behind.
  const child = spawnTied(process.execPath, [...nodeFlags, '--import', 'tsx', entry], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    deathSignal: 'SIGTERM',
  });
  const errors: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    errors.push(chunk.toString());
    if (errors.length > 20) errors.shift();
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!stopping)
      console.error(`${entry} exited (${code ?? signal}) during the benchmark:\n${errors.join('')}`);
  });
  return {
    child,
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
