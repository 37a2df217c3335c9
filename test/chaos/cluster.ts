import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { type DevPostgres, startDevPostgres } from '../../scripts/dev-postgres.js';
import { freePort } from '../../scripts/free-port.js';
import { provisionTemporalCli } from '../../scripts/temporal-cli.js';
import { devServerSearchAttributeFlags } from '../../worker/search-attributes.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';
import { enrolTestSuppliers, TEST_PROGRAM_ENV } from '../support/test-suppliers.js';
import { rootAddress, SOAK_RANGE, type SoakNetwork } from './netns.js';
import { TOXIPROXY_ENV, Toxiproxy, toxiproxyArgs } from './toxiproxy.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
const HOST = '127.0.0.1';

/** A process of the cluster in its own process group, so that a signal reaches all of it (npm → sh → node). */
export class GroupProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private recent = '';
  private watchers: { text: string; seen: () => void }[] = [];
  private readonly log: WriteStream;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  /** The last lines it wrote. */
  get output(): string {
    return this.recent;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.recent = '';
    this.log.write(`\n=== ${new Date().toISOString()} start ${this.name}\n`);
    // The kernel kills it when the test process dies, however that ends (vitest may SIGKILL its
    // worker on Ctrl-C): nothing of the cluster outlives the soak. setpriv execs the command.
    const [command, args] = SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', this.command, ...this.args]]
      : [this.command, this.args];
    const child = spawn(command, args, {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (chunk: Buffer) => {
      this.log.write(chunk);
      this.recent = (this.recent + chunk.toString()).slice(-20_000);
      const text = chunk.toString();
      for (const w of this.watchers.filter((w) => text.includes(w.text))) w.seen();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
  }

  /** Whether the process writes `text` from now on, within `timeoutMs`. */
  nextOutput(text: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const watcher = {
        text,
        seen: () => {
          clearTimeout(timer);
          this.watchers = this.watchers.filter((w) => w !== watcher);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.watchers = this.watchers.filter((w) => w !== watcher);
        resolve(false);
      }, timeoutMs);
      this.watchers.push(watcher);
    });
  }

  async waitForOutput(text: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.recent.includes(text)) {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.recent}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no "${text}" in ${timeoutMs} ms:\n${this.recent}`);
      await sleep(100);
    }
  }

  /** Signals the whole process group and waits for the leader to exit. */
  async signal(signal: NodeJS.Signals, killAfterMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child?.pid || !this.running) return;
    this.log.write(`\n=== ${new Date().toISOString()} ${signal} ${this.name}\n`);
    try {
      process.kill(-child.pid, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL to the whole group, synchronously: for a signal handler. */
  killSync(): void {
    try {
      if (this.child?.pid && this.running) process.kill(-this.child.pid, 'SIGKILL');
    } catch {}
  }

  async close(): Promise<void> {
    await this.signal('SIGKILL');
    await new Promise((resolve) => this.log.end(resolve));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ApiReplica {
  url: string;
  process: GroupProcess;
}

export interface ClusterKeys {
  marketplace: string;
  arbitrator: string;
  underwriter: string;
  reader: string;
  webhookSecret: string;
  /** The API's Ed25519 key for signing marketplace events (and its public half, for the workers). */
  eventSigningKey: string;
  dossierSigningKey: string;
  eventPublicKey: string;
}

/** The links of the cluster that go through a Toxiproxy proxy each, when there is one. */
/**
 * How long an API waits on Temporal before a 503. The soak shares 2 cores with everything it
 * starts: a slow answer under that load is not the outage it is looking for.
 */
export const SOAK_API_UPSTREAM_TIMEOUT_MS = 30_000;

export const LINKS = ['worker-temporal', 'worker-pg', 'api-temporal', 'api-pg'] as const;
export type Link = (typeof LINKS)[number];

/**
 * The production topology on one machine, every piece restartable in place: PostgreSQL on a kept
 * data directory, the Temporal dev server on a kept SQLite file, worker and API processes
 * (`worker/main.ts`, `api/main.ts`, as deployed), and a webhook receiver.
 *
 * With a SoakNetwork each of PostgreSQL, Temporal, the workers and the APIs runs in a network
 * namespace of its own (netns.ts), and with a Toxiproxy binary too the workers' and APIs'
 * connections to Temporal and PostgreSQL go through one proxy per link (toxiproxy.ts).
 */
export class ChaosCluster {
  postgres!: DevPostgres;
  databaseUrl = '';
  temporal!: GroupProcess;
  temporalAddress = '';
  workers: GroupProcess[] = [];
  apis: ApiReplica[] = [];
  webhookDeliveries = 0;
  toxiproxy: Toxiproxy | undefined;
  private receiver: Server | undefined;
  private pgPort = 0;
  private temporalArgs: string[] = [];

  constructor(
    readonly dir: string,
    readonly keys: ClusterKeys,
    readonly network?: SoakNetwork,
    private readonly toxiproxyBinary?: string,
    readonly taskQueue = 'chaos-orders',
  ) {}

  /** A process of the cluster, started inside its host's namespace when there is a network. */
  private process(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): GroupProcess {
    const [c, a] = this.network ? this.network.exec(name, command, args) : [command, args];
    return new GroupProcess(name, c, a, env, this.logFile(name));
  }

  logFile(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  async start(options: { workers: number; apis: number }, log: (line: string) => void): Promise<void> {
    const net = this.network;
    // In namespaces of their own, the servers take their usual ports: nothing else listens there.
    this.pgPort = net ? 5432 : await freePort();
    const temporalPort = net ? 7233 : await freePort();
    this.temporalAddress = `${net ? net.host('temporal').address.m : HOST}:${temporalPort}`;
    // The workers' and APIs' view of the two servers: over their own lanes, or through Toxiproxy.
    const upstream = {
      temporal: net ? `${net.host('temporal').address.t}:${temporalPort}` : this.temporalAddress,
      pg: net ? `${net.host('pg').address.p}:${this.pgPort}` : `${HOST}:${this.pgPort}`,
    };
    const via: Record<Link, string> = {
      'worker-temporal': upstream.temporal,
      'api-temporal': upstream.temporal,
      'worker-pg': upstream.pg,
      'api-pg': upstream.pg,
    };
    if (net && this.toxiproxyBinary) {
      const port = await freePort();
      this.toxiproxy = new Toxiproxy(
        port,
        new GroupProcess(
          'toxiproxy',
          this.toxiproxyBinary,
          toxiproxyArgs(port),
          { PATH: process.env.PATH, ...TOXIPROXY_ENV },
          this.logFile('toxiproxy'),
        ),
      );
      await this.toxiproxy.start();
      for (const [i, link] of LINKS.entries()) {
        const lane = link.endsWith('temporal') ? 't' : 'p';
        const listen = `${rootAddress(lane)}:${20_000 + i}`;
        await this.toxiproxy.proxy(link, listen, via[link]);
        via[link] = listen;
      }
    }
    const [binary, bundlePath, webhookUrl] = await Promise.all([
      provisionTemporalCli(log),
      writeWorkflowBundle(join(this.dir, 'workflow-bundle.js')),
      this.startReceiver(),
      this.startPostgres(),
    ]);
    if (!binary) throw new Error('the chaos suite needs the Temporal CLI (npm run temporal:provision)');
    const pool = createPool(this.databaseUrl, 1);
    await migrate(pool);
    await pool.end();
    // The soak's orders name supplier-0 … supplier-4 (driver.ts).
    await enrolTestSuppliers(
      this.databaseUrl,
      Array.from({ length: 5 }, (_, i) => ({ id: `supplier-${i}`, name: 'Steel Supplier' })),
    );

    this.temporalArgs = [
      'server',
      'start-dev',
      '--ip',
      net ? '0.0.0.0' : HOST,
      '--port',
      String(temporalPort),
      '--headless',
      '--log-level',
      'warn',
      '--db-filename',
      join(this.dir, 'temporal.sqlite'),
      // Durable against a killed process (not a lost machine), which is what the suite injects.
      '--sqlite-pragma',
      'journal_mode=WAL',
      '--sqlite-pragma',
      'synchronous=OFF',
      ...devServerSearchAttributeFlags(),
    ];
    this.temporal = this.process('temporal', binary, this.temporalArgs, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    });
    await this.startTemporal();

    const pgUrl = (address: string) => this.databaseUrl.replace(/@[^/]+\//, `@${address}/`);
    const env = (role: 'worker' | 'api', extra: Record<string, string>): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: via[`${role}-temporal`],
      // The soak's own dev server, in plain gRPC: no profile of the developer's `temporal` CLI.
      TEMPORAL_CONFIG_FILE: '/dev/null',
      DATABASE_URL: pgUrl(via[`${role}-pg`]),
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      DATABASE_POOL_SIZE: '6',
      LOG_LEVEL: 'info',
      EVENT_PUBLIC_KEYS: this.keys.eventPublicKey,
      EVENT_SIGNING_KEY: this.keys.eventSigningKey,
      DOSSIER_SIGNING_KEY: this.keys.dossierSigningKey,
      ...TEST_PROGRAM_ENV,
      ...extra,
    });
    for (let i = 0; i < options.workers; i++) {
      this.workers.push(
        this.process(
          `worker-${i + 1}`,
          process.execPath,
          ['--import', 'tsx', 'worker/main.ts'],
          env('worker', {
            WEBHOOK_URLS: webhookUrl,
            WEBHOOK_SECRETS: this.keys.webhookSecret,
            WORKER_SHUTDOWN_GRACE_SECONDS: '5',
          }),
        ),
      );
    }
    for (let i = 0; i < options.apis; i++) {
      const name = `api-${i + 1}`;
      const port = net ? 8080 : await freePort();
      this.apis.push({
        url: `http://${net ? net.host(name).address.m : HOST}:${port}`,
        process: this.process(
          name,
          process.execPath,
          ['--import', 'tsx', 'api/main.ts'],
          env('api', {
            API_PORT: String(port),
            API_HOST: net ? '0.0.0.0' : HOST,
            API_KEYS: `marketplace:${this.keys.marketplace},arbitrator:${this.keys.arbitrator},underwriter:${this.keys.underwriter},reader:${this.keys.reader}`,
            // The soak's clients all use one key: the limit must not be what is tested here.
            RATE_LIMIT_PER_MINUTE: '1000000',
            API_UPSTREAM_TIMEOUT_MS: String(SOAK_API_UPSTREAM_TIMEOUT_MS),
          }),
        ),
      });
    }
    await Promise.all([
      ...this.workers.map((w) => this.startWorker(w)),
      ...this.apis.map((a) => this.startApi(a)),
    ]);
  }

  private async startPostgres(): Promise<void> {
    const host = this.network?.host('pg');
    this.postgres = await startDevPostgres({
      dir: join(this.dir, 'pg'),
      port: this.pgPort,
      fast: true,
      ...(host?.address.m
        ? { network: { namespace: host.namespace, host: host.address.m, clients: SOAK_RANGE } }
        : {}),
      log: () => {},
    });
    this.databaseUrl = this.postgres.databaseUrl;
  }

  async restartPostgres(downMs: number): Promise<void> {
    await this.postgres.stop();
    await sleep(downMs);
    await this.startPostgres();
  }

  private async startTemporal(): Promise<void> {
    this.temporal.start();
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (!this.temporal.running) throw new Error('the Temporal dev server exited; see temporal.log');
      try {
        const connection = await Connection.connect({ address: this.temporalAddress, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(250);
      }
    }
  }

  /** Stops the dev server (SIGTERM), keeps it down for `downMs`, starts it again on the same SQLite file. */
  async restartTemporal(downMs: number): Promise<void> {
    await this.temporal.signal('SIGTERM');
    await sleep(downMs);
    await this.startTemporal();
  }

  async startWorker(worker: GroupProcess): Promise<void> {
    worker.start();
    await worker.waitForOutput('worker polling');
  }

  async startApi(api: ApiReplica): Promise<void> {
    api.process.start();
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (!api.process.running) throw new Error(`${api.process.name} exited:\n${api.process.output}`);
      const ready = await fetch(`${api.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${api.process.name} did not listen in time`);
      await sleep(200);
    }
  }

  private startReceiver(): Promise<string> {
    return new Promise((resolve) => {
      this.receiver = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          this.webhookDeliveries++;
          response.writeHead(204).end();
        });
      });
      // The workers reach the root namespace on the bridge of the test's own traffic.
      const host = this.network ? rootAddress('m') : HOST;
      this.receiver.listen(0, host, () => {
        const address = this.receiver?.address();
        resolve(`http://${host}:${typeof address === 'object' && address ? address.port : 0}/hooks`);
      });
    });
  }

  killAllSync(): void {
    for (const p of [...this.workers, ...this.apis.map((a) => a.process), this.temporal]) p?.killSync();
    this.toxiproxy?.killSync();
    void this.postgres?.stop();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.workers, ...this.apis.map((a) => a.process)].map((p) => p.close()));
    await this.temporal?.close();
    await this.postgres?.stop();
    await this.toxiproxy?.close();
    this.receiver?.closeAllConnections();
    await new Promise((resolve) => this.receiver?.close(resolve) ?? resolve(undefined));
  }
}
