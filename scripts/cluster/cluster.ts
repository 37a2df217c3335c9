import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import pg from 'pg';
import { type ClientCredentials, fetchClientCredentialsToken } from '../../config/temporal-token.js';
import { startUiGate } from '../../gate/ui-gate.js';
import { ensureSearchAttributes } from '../../worker/search-attributes.js';
import { ENGINE_SEARCH_ATTRIBUTES } from '../../workflows/model/search-attributes.js';
import { type OidcUser, startDevOidcProvider } from '../dev-oidc-provider.js';
import { startDevPostgres } from '../dev-postgres.js';
import {
  killGroup,
  leftovers,
  type ProcessDirs,
  processDirs,
  rssMb,
  runningPid,
  spawnGroup,
  stopGroup,
} from './process-group.js';
import {
  type ServerConfigOptions,
  TEMPORAL_DATABASE,
  TEMPORAL_SERVICES,
  type TemporalService,
  VISIBILITY_DATABASE,
  writeServerConfig,
  writeUiConfig,
} from './server-config.js';
import {
  provisionTemporalServer,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UPGRADE_PATH,
  type TemporalServerBinaries,
} from './temporal-server.js';

/**
 * A real multi-service Temporal cluster on PostgreSQL on one machine, as production runs it:
 * frontend, history, matching and worker services as four processes, SQL visibility, the Web UI
 * server, and one PostgreSQL for Temporal and the escrow ledger. `npm run cluster` and the
 * cluster tests both start it through here; docker-compose.yml runs the same releases.
 */
export const CLUSTER_NAMESPACE = 'default';
/** How long Temporal keeps closed orders' histories: a month of arbitration appeals and audits. */
export const NAMESPACE_RETENTION_DAYS = 30;
/** Fixed at the first start of a cluster: changing it later needs a new database. */
export const HISTORY_SHARDS = 4;
const HOST = '127.0.0.1';
const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** `ui` is the UI's public address (the gate, gate/ui-gate.ts); `uiServer` the UI server behind it. */
export type ClusterPorts = ServerConfigOptions['ports'] & {
  postgres: number;
  ui: number;
  uiServer: number;
  oidc: number;
};

/** Temporal's usual ports, so that the CLI and SDK defaults (127.0.0.1:7233) just work. */
export function defaultClusterPorts(): ClusterPorts {
  return {
    frontend: { grpc: 7233, membership: 6933 },
    'internal-frontend': { grpc: 7236, membership: 6936 },
    history: { grpc: 7234, membership: 6934 },
    matching: { grpc: 7235, membership: 6935 },
    worker: { grpc: 7239, membership: 6939 },
    frontendHttp: 7243,
    ui: 8080,
    uiServer: 8081,
    postgres: 54330,
    oidc: 7280,
  };
}

/**
 * A free port below Linux's ephemeral range (32768–60999), unlike the kernel's pick for port 0:
 * the services start one after the other, and a port from that range can be taken by an outgoing
 * connection of an earlier one before its own service binds it (seen once: the frontend's HTTP
 * port, "address already in use"). It also fits the `smallint` column where the server records
 * membership ports. `taken` keeps the ports of one cluster apart.
 */
async function freeStablePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, HOST, () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

export async function freeClusterPorts(): Promise<ClusterPorts> {
  const taken = new Set<number>();
  const port = () => freeStablePort(taken);
  const pair = async () => ({ grpc: await port(), membership: await port() });
  return {
    frontend: await pair(),
    'internal-frontend': await pair(),
    history: await pair(),
    matching: await pair(),
    worker: await pair(),
    frontendHttp: await port(),
    ui: await port(),
    uiServer: await port(),
    postgres: await port(),
    oidc: await port(),
  };
}

/**
 * Who holds which token on the cluster (docs/operations.md, "Authentication"): the engine's
 * worker and API (namespace `write`; the server's `worker` role cannot poll), the cluster's own
 * setup (namespace and search attributes: `temporal-system:admin`), and the arbitrators who log in
 * to the Web UI (namespace `write`, to send `arbitrate`).
 */
export type ClusterClient = 'admin' | 'worker' | 'api';
const CLIENT_PERMISSIONS: Record<ClusterClient, string[]> = {
  admin: ['temporal-system:admin'],
  worker: [`${CLUSTER_NAMESPACE}:write`],
  api: [`${CLUSTER_NAMESPACE}:write`],
};
/**
 * The UI lists namespaces and reads the cluster's info, calls of cluster scope that the default
 * authorizer grants a system role only: without `temporal-system:read` a signed-in arbitrator is
 * sent back to the login page with "Request unauthorized".
 */
export const CLUSTER_ARBITRATORS: OidcUser[] = [
  {
    id: 'arbitrator',
    email: 'arbitrator@escrow.example',
    permissions: [`${CLUSTER_NAMESPACE}:write`, 'temporal-system:read'],
  },
];
/** The Web UI's client at the provider; its callback is `<UI>/auth/sso/callback`. */
export const UI_OIDC_CLIENT_ID = 'temporal-ui';

/** The cluster's identity provider (scripts/dev-oidc-provider.ts), as recorded in cluster.json. */
export interface ClusterOidc {
  issuer: string;
  jwksUri: string;
  tokenUrl: string;
  scope: string;
  /** Client-credentials clients; secrets are new at every start of the cluster. */
  clients: Record<ClusterClient, { clientId: string; clientSecret: string }>;
  ui: { clientId: string; clientSecret: string; callbackUrl: string };
  arbitrators: OidcUser[];
}

/** What another process (a test file, an operator) needs to find the running cluster: cluster.json. */
export interface ClusterInfo {
  dir: string;
  ports: ClusterPorts;
  binaries: TemporalServerBinaries;
  /** The server's command line up to `start`. */
  serverArgs: string[];
  frontendAddress: string;
  uiUrl: string;
  /** The escrow ledger's database on the cluster's PostgreSQL. */
  databaseUrl: string;
  oidc: ClusterOidc;
}

export interface Cluster extends ClusterInfo {
  stop(): Promise<void>;
}

export interface ClusterOptions {
  dir: string;
  ports: ClusterPorts;
  /** Throwaway clusters (tests): PostgreSQL without fsync. */
  fast?: boolean;
  /** Lifetime of the services' tokens (3600 s unless set): tests shorten it to see renewals. */
  serviceTokenTtlSeconds?: number;
  /** The Temporal server release (TEMPORAL_SERVER_VERSION unless set): the upgrade check starts older ones. */
  serverVersion?: string;
  log?: (line: string) => void;
}

export const serviceProcessName = (service: TemporalService) => `temporal-${service}`;
const UI_PROCESS = 'temporal-ui';

export function readClusterInfo(dir: string): ClusterInfo {
  return JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterInfo;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? console.log;
  const { dir, ports } = options;
  mkdirSync(dir, { recursive: true });
  const dirs = processDirs(dir);
  for (const name of leftovers(dirs)) {
    log(`[cluster] stopping ${name} left running by a previous run`);
    await stopGroup(dirs, name);
  }
  const version = options.serverVersion ?? TEMPORAL_SERVER_VERSION;
  refuseSkippedMinors(dir, version);
  const binaries = await provisionTemporalServer(log, version);

  const secret = () => randomBytes(24).toString('base64url');
  const clients = Object.fromEntries(
    (Object.keys(CLIENT_PERMISSIONS) as ClusterClient[]).map((client) => [
      client,
      { clientId: `escrow-${client}`, clientSecret: secret() },
    ]),
  ) as ClusterOidc['clients'];
  const ui = {
    clientId: UI_OIDC_CLIENT_ID,
    clientSecret: secret(),
    callbackUrl: `http://${HOST}:${ports.ui}/auth/sso/callback`,
  };
  // Before the Temporal server, which reads its keys at start; the key survives restarts.
  const provider = await startDevOidcProvider({
    port: ports.oidc,
    services: (Object.keys(clients) as ClusterClient[]).map((client) => ({
      ...clients[client],
      permissions: CLIENT_PERMISSIONS[client],
    })),
    users: CLUSTER_ARBITRATORS,
    ui,
    keyFile: join(dir, 'oidc-signing-key.json'),
    serviceTokenTtlSeconds: options.serviceTokenTtlSeconds,
  });
  log(`[cluster] OpenID provider at ${provider.issuer}`);
  const oidc: ClusterOidc = {
    issuer: provider.issuer,
    jwksUri: provider.jwksUri,
    tokenUrl: provider.tokenUrl,
    scope: provider.serviceScope,
    clients,
    ui,
    arbitrators: CLUSTER_ARBITRATORS,
  };

  log(`[cluster] PostgreSQL on port ${ports.postgres} (data in ${join(dir, 'postgres')})`);
  const postgres = await startDevPostgres({
    dir: join(dir, 'postgres'),
    port: ports.postgres,
    fast: options.fast,
    log,
  }).catch(async (err) => {
    await provider.stop();
    throw err;
  });
  const stops: { name: string; stop: () => Promise<void> }[] = [
    { name: 'the OpenID provider', stop: () => provider.stop() },
    { name: 'PostgreSQL', stop: () => postgres.stop() },
  ];
  const stopAll = async () => {
    for (const { name, stop } of stops.splice(0).reverse()) {
      log(`[cluster] stopping ${name}`);
      await stop().catch((err: Error) => log(`[cluster] while stopping ${name}: ${err.message}`));
    }
  };
  try {
    const credentials = new URL(postgres.databaseUrl);
    const pg = {
      host: HOST,
      port: ports.postgres,
      user: decodeURIComponent(credentials.username),
      password: decodeURIComponent(credentials.password),
    };
    await setupSchemas(binaries, pg, log);

    const serverArgs = writeServerConfig(join(dir, 'temporal'), {
      postgres: pg,
      ports,
      numHistoryShards: HISTORY_SHARDS,
      maxConns: { temporal: 10, visibility: 2 },
      logLevel: 'warn',
      authorization: { jwksUri: oidc.jwksUri },
    });
    const info: ClusterInfo = {
      dir,
      ports,
      binaries,
      serverArgs,
      frontendAddress: `${HOST}:${ports.frontend.grpc}`,
      uiUrl: `http://${HOST}:${ports.ui}`,
      databaseUrl: postgres.databaseUrl,
      oidc,
    };
    // It holds the clients' secrets.
    writeFileSync(join(dir, 'cluster.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });

    for (const service of TEMPORAL_SERVICES) {
      const started = Date.now();
      // Registered before it is up: one that never comes up must be stopped all the same.
      stops.push({
        name: `the ${service} service`,
        stop: () => stopGroup(dirs, serviceProcessName(service)),
      });
      await startTemporalService(info, service);
      log(`[cluster] ${service} service up in ${Date.now() - started} ms`);
    }
    await ensureNamespace(info, log);

    spawnGroup(
      dirs,
      UI_PROCESS,
      binaries.ui,
      writeUiConfig(join(dir, 'ui'), {
        frontendAddress: info.frontendAddress,
        // Behind the gate: only the gate reaches it.
        port: ports.uiServer,
        namespace: CLUSTER_NAMESPACE,
        // Arbitrators log in through the cluster's provider; their ID token is the bearer.
        oidc: { issuer: oidc.issuer, ...oidc.ui },
      }),
      { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    );
    stops.push({ name: 'the Web UI', stop: () => stopGroup(dirs, UI_PROCESS) });
    const uiServerUrl = `http://${HOST}:${ports.uiServer}`;
    await waitFor(`the Web UI at ${uiServerUrl}`, dirs, UI_PROCESS, () =>
      fetch(uiServerUrl).then((r) => r.ok),
    );
    // The UI's published address: reads pass, Updates carry who signed in, other writes are refused.
    const gate = await startUiGate({
      upstream: { host: HOST, port: ports.uiServer },
      listen: { host: HOST, port: ports.ui },
      oidc: { issuer: oidc.issuer, jwksUri: oidc.jwksUri, audience: oidc.ui.clientId },
    });
    stops.push({ name: 'the UI gate', stop: () => gate.stop() });
    log(`[cluster] Web UI up at ${info.uiUrl} (the gate; the UI server behind it at ${uiServerUrl})`);
    return { ...info, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const SCHEMAS: [database: string, schema: string][] = [
  [TEMPORAL_DATABASE, 'temporal'],
  [VISIBILITY_DATABASE, 'visibility'],
];

const sqlToolEnv = (pg: ServerConfigOptions['postgres']) => ({
  PATH: process.env.PATH,
  SQL_PLUGIN: 'postgres12',
  SQL_HOST: pg.host,
  SQL_PORT: String(pg.port),
  SQL_USER: pg.user,
  SQL_PASSWORD: pg.password,
});

/**
 * Temporal upgrades one minor release at a time and does not downgrade: a cluster directory last
 * served by another release must not be opened by one further away (its schemas would be updated
 * past the releases between, whose servers also migrate data as they run). The release is in
 * cluster.json; files written before it recorded one name it in the server's path.
 */
export function refuseSkippedMinors(dir: string, version: string): void {
  if (!existsSync(join(dir, 'cluster.json'))) return;
  const previous = readClusterInfo(dir).binaries;
  const last = previous.version ?? /\/temporal-server\/(v[^/]+)\//.exec(previous.server)?.[1];
  if (!last || last === version) return;
  const minor = (v: string) => Number(/^v1\.(\d+)\./.exec(v)?.[1]);
  // Another patch of the same minor release, or a release of the next one: a supported step.
  const step = minor(version) - minor(last);
  if (step === 0 || step === 1) return;
  const between = TEMPORAL_UPGRADE_PATH.filter((v) => minor(v) > minor(last) && minor(v) < minor(version));
  throw new Error(
    step < 0
      ? `${dir} was last served by the Temporal server ${last}: ${version} is older, and Temporal does not downgrade`
      : `${dir} was last served by the Temporal server ${last}: upgrade it one minor release at a time` +
          ` (${[...between, version].join(', ')}), e.g. \`npm run cluster -- --server ${between[0] ?? version}\` first` +
          ' (docs/operations.md#upgrading-the-temporal-server)',
  );
}

/** Creates or upgrades both schemas with temporal-sql-tool: a no-op when they are current. */
async function setupSchemas(
  binaries: TemporalServerBinaries,
  pg: ServerConfigOptions['postgres'],
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  for (const [database] of SCHEMAS) {
    for (const args of [['create-database'], ['setup-schema', '-v', '0.0']]) {
      await run(binaries.sqlTool, ['--db', database, ...args], sqlToolEnv(pg));
    }
  }
  await updateSchemas(binaries, pg);
  log(`[cluster] Temporal schemas up to date in ${Date.now() - started} ms`);
}

/** `update-schema` of both databases to the versions the release's schema directory holds. */
async function updateSchemas(binaries: TemporalServerBinaries, pg: ServerConfigOptions['postgres']) {
  for (const [database, schema] of SCHEMAS) {
    const dir = join(binaries.schemaDir, schema, 'versioned');
    await run(binaries.sqlTool, ['--db', database, 'update-schema', '-d', dir], sqlToolEnv(pg));
  }
}

/** How long each step of an upgrade took, in ms. */
export interface UpgradeTimings {
  stop: number;
  schemas: number;
  start: number;
}

/**
 * Upgrades a running cluster to another server release as an operator does, one minor at a time:
 * stops the five services, brings both schemas up to the new release with its own SQL tool, starts
 * the services of the new release and waits until the namespace answers queries. PostgreSQL, the
 * identity provider, the Web UI and the engine's processes keep running (the API's calls wait,
 * or answer 503 past their deadline, while the services are down; its clients retry).
 * `info.binaries` and cluster.json then name the new release.
 */
export async function upgradeTemporalServer(
  info: ClusterInfo,
  version: string,
  log: (line: string) => void = console.log,
): Promise<UpgradeTimings> {
  refuseSkippedMinors(info.dir, version);
  const binaries = await provisionTemporalServer(log, version);
  const dirs = processDirs(info.dir);
  let started = Date.now();
  for (const service of [...TEMPORAL_SERVICES].reverse()) await stopGroup(dirs, serviceProcessName(service));
  const stop = Date.now() - started;

  started = Date.now();
  const credentials = new URL(info.databaseUrl);
  await updateSchemas(binaries, {
    host: HOST,
    port: info.ports.postgres,
    user: decodeURIComponent(credentials.username),
    password: decodeURIComponent(credentials.password),
  });
  const schemas = Date.now() - started;

  started = Date.now();
  info.binaries = binaries;
  writeFileSync(join(info.dir, 'cluster.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  for (const service of TEMPORAL_SERVICES) await startTemporalService(info, service);
  await ensureNamespace(info, log);
  const start = Date.now() - started;
  log(`[cluster] upgraded to ${version}: stop ${stop} ms, schemas ${schemas} ms, start ${start} ms`);
  return { stop, schemas, start };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/**
 * Starts one Temporal service as its own process group and waits until it serves. Exported for
 * the tests that kill a service and start it again.
 */
export async function startTemporalService(info: ClusterInfo, service: TemporalService): Promise<void> {
  const dirs = processDirs(info.dir);
  const name = serviceProcessName(service);
  spawnGroup(dirs, name, info.binaries.server, [...info.serverArgs, 'start', '--service', service], {
    cwd: info.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  if (service === 'frontend') {
    await waitFor(`the frontend at ${info.frontendAddress}`, dirs, name, async () => {
      const connection = await Connection.connect({ address: info.frontendAddress, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    });
  } else if (service === 'worker') {
    // The worker service opens no port of its own: give it a moment to fail on a bad config.
    await waitFor('the worker service', dirs, name, async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return true;
    });
  } else {
    await waitFor(`the ${service} service`, dirs, name, () => acceptsConnections(info.ports[service].grpc));
  }
}

/** SIGKILL of one service, as a crashed machine. */
export function killTemporalService(info: ClusterInfo, service: TemporalService): Promise<void> {
  return killGroup(processDirs(info.dir), serviceProcessName(service));
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitFor(
  what: string,
  dirs: ProcessDirs,
  name: string,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (runningPid(dirs, name) === undefined) {
      throw new Error(`${name} exited while starting; see ${join(dirs.logDir, `${name}.log`)}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what} did not come up in ${timeoutMs / 1000}s; see ${join(dirs.logDir, `${name}.log`)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The client-credentials grant of one of the cluster's clients (TEMPORAL_OIDC_* of the engine). */
export function clusterCredentials(info: ClusterInfo, client: ClusterClient): ClientCredentials {
  return { tokenUrl: info.oidc.tokenUrl, scope: info.oidc.scope, ...info.oidc.clients[client] };
}

/** The environment of an engine process (`worker/main.ts`, `api/main.ts`) on this cluster. */
export function clusterEngineAuthEnv(info: ClusterInfo, client: 'worker' | 'api'): Record<string, string> {
  const credentials = clusterCredentials(info, client);
  return {
    TEMPORAL_OIDC_TOKEN_URL: credentials.tokenUrl,
    TEMPORAL_OIDC_CLIENT_ID: credentials.clientId,
    TEMPORAL_OIDC_CLIENT_SECRET: credentials.clientSecret,
    TEMPORAL_OIDC_SCOPE: credentials.scope ?? '',
  };
}

/** A client connection holding a fresh token of `client` (valid for the provider's token lifetime). */
export async function clusterConnection(info: ClusterInfo, client: ClusterClient): Promise<Connection> {
  const { accessToken } = await fetchClientCredentialsToken(clusterCredentials(info, client));
  return Connection.connect({ address: info.frontendAddress, apiKey: accessToken, tls: false });
}

/**
 * The server creates no namespace of its own. A new namespace and new search attributes take a
 * moment to reach every frontend cache: wait until a query on all of them is accepted.
 */
async function ensureNamespace(info: ClusterInfo, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const connection = await clusterConnection(info, 'admin');
  try {
    const exists = await connection.workflowService
      .describeNamespace({ namespace: CLUSTER_NAMESPACE })
      .then(() => true)
      .catch(() => false);
    if (!exists) {
      await connection.workflowService.registerNamespace({
        namespace: CLUSTER_NAMESPACE,
        workflowExecutionRetentionPeriod: msToTs(`${NAMESPACE_RETENTION_DAYS} days`),
      });
    }
    const query = ENGINE_SEARCH_ATTRIBUTES.map((key) => `${key.name} IS NOT NULL`).join(' OR ');
    const deadline = Date.now() + 60_000;
    let added: string[] | undefined;
    for (;;) {
      try {
        added ??= await ensureSearchAttributes(connection, CLUSTER_NAMESPACE);
        await connection.workflowService.countWorkflowExecutions({ namespace: CLUSTER_NAMESPACE, query });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    log(
      `[cluster] namespace ${CLUSTER_NAMESPACE} ${exists ? 'exists' : 'created'}` +
        `${added.length ? `, search attributes added: ${added.join(', ')}` : ''} (${Date.now() - started} ms)`,
    );
  } finally {
    await connection.close();
  }
}

export type EngineKind = 'worker' | 'api';

/**
 * One engine replica (`worker/main.ts` or `api/main.ts`) as its own process group, named
 * `worker-1`, `api-2`…; resolves once it polls (worker) or is ready (API).
 */
export async function startEngineProcess(
  info: ClusterInfo,
  kind: EngineKind,
  index: number,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const dirs = processDirs(info.dir);
  const name = `${kind}-${index}`;
  const logFile = join(dirs.logDir, `${name}.log`);
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const pid = spawnGroup(dirs, name, process.execPath, ['--import', 'tsx', `${kind}/main.ts`], {
    cwd: REPO_ROOT,
    env,
  });
  const ready =
    kind === 'worker'
      ? async () => readFileSync(logFile).subarray(logStart).toString().includes('worker polling')
      : () => fetch(`http://${HOST}:${env.API_PORT}/readyz`).then((r) => r.ok);
  await waitFor(name, dirs, name, ready, 120_000);
  return pid;
}

export function stopEngineProcess(info: ClusterInfo, name: string, graceMs = 45_000): Promise<void> {
  return stopGroup(processDirs(info.dir), name, graceMs);
}

/** Resident memory per process of the cluster and PostgreSQL connections by user and database. */
export async function clusterSizing(info: ClusterInfo): Promise<string[]> {
  const dirs = processDirs(info.dir);
  const names = existsSync(dirs.runDir)
    ? readdirSync(dirs.runDir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => f.slice(0, -4))
        .sort()
    : [];
  const lines = names.flatMap((name) => {
    const pid = runningPid(dirs, name);
    return pid === undefined ? [] : [`${name.padEnd(18)} RSS ${String(rssMb(pid)).padStart(4)} MB`];
  });
  const pool = new pg.Pool({ connectionString: info.databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query(
      `SELECT datname, count(*)::int AS n FROM pg_stat_activity
        WHERE backend_type = 'client backend' GROUP BY datname ORDER BY datname`,
    );
    lines.push(
      `PostgreSQL connections: ${rows.map((r) => `${r.datname} ${r.n}`).join(', ')}` +
        ` (max_connections ${(await pool.query('SHOW max_connections')).rows[0]?.max_connections})`,
    );
  } finally {
    await pool.end();
  }
  return lines;
}
