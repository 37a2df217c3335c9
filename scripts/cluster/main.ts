import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';
import { apiKeysSpec, loadOrCreateDevApiKeys } from '../dev-api-keys.js';
import { loadOrCreateDevEventKeys } from '../dev-event-keys.js';
import {
  CLUSTER_NAMESPACE,
  clusterEngineAuthEnv,
  clusterSizing,
  defaultClusterPorts,
  startCluster,
  startEngineProcess,
  stopEngineProcess,
} from './cluster.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UPGRADE_PATH } from './temporal-server.js';

/**
 * `npm run cluster [-- --workers N --apis M --server vX.Y.Z]`: the production topology on one machine. PostgreSQL,
 * the four Temporal services as separate processes, the Web UI, N workers and M APIs, each its
 * own process group with its log in .data/cluster/logs/. State lives in .data/cluster/ and
 * survives a restart; Ctrl-C stops everything.
 */
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    apis: { type: 'string', default: '2' },
    // Another release of TEMPORAL_UPGRADE_PATH: a cluster is upgraded one minor release at a time.
    server: { type: 'string', default: TEMPORAL_SERVER_VERSION },
  },
});
const count = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 16) throw new Error(`--${name}: a whole number from 0 to 16`);
  return n;
};
if (!(TEMPORAL_UPGRADE_PATH as readonly string[]).includes(values.server)) {
  throw new Error(`--server: one of ${TEMPORAL_UPGRADE_PATH.join(', ')}`);
}
const workers = count('workers', values.workers);
const apis = count('apis', values.apis);

const log = (line: string) => console.log(line);
const dataDir = join(process.cwd(), '.data');
const dir = join(dataDir, 'cluster');
mkdirSync(dir, { recursive: true });
// The embedded PostgreSQL runs as an unprivileged user when we are root.
chmodSync(dataDir, 0o755);
chmodSync(dir, 0o755);

const started = Date.now();
const cluster = await startCluster({ dir, ports: defaultClusterPorts(), serverVersion: values.server, log });
const engines: string[] = [];
let stopping = false;
async function shutdown(signal: string, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  log(`\n[cluster] ${signal}: stopping APIs, workers, Temporal and PostgreSQL`);
  // APIs first, so that no new request reaches a worker that is draining.
  for (const name of engines.reverse()) {
    log(`[cluster] stopping ${name}`);
    await stopEngineProcess(cluster, name);
  }
  await cluster.stop();
  log('[cluster] stopped');
  process.exit(exitCode);
}
// `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by npm/tsx).
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  const bundle = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'));
  const pool = createPool(cluster.databaseUrl, 1);
  const applied = await migrate(pool).finally(() => pool.end());
  if (applied.length > 0) log(`[cluster] ledger migrations applied: ${applied.join(', ')}`);
  const keys = loadOrCreateDevApiKeys(join(dir, 'dev-api-keys.json'), log);
  // The APIs sign marketplace events with the private key; the workers hold the public key only.
  const eventKeys = loadOrCreateDevEventKeys(join(dir, 'dev-event-keys.json'), log);
  const dossierKeys = loadOrCreateDevEventKeys(join(dir, 'dev-dossier-key.json'), log, 'dossier signing');
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: cluster.frontendAddress,
    // This cluster, in plain gRPC: no profile of the developer's `temporal` CLI applies.
    TEMPORAL_CONFIG_FILE: '/dev/null',
    TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE,
    DATABASE_URL: cluster.databaseUrl,
    // 4 Temporal services x 12 connections leave room for 8 engine processes x 6 in PostgreSQL's 100.
    DATABASE_POOL_SIZE: '6',
    WORKFLOW_BUNDLE_PATH: bundle,
    ...extra,
  });
  for (let i = 1; i <= workers; i++) {
    if (stopping) break;
    await startEngineProcess(
      cluster,
      'worker',
      i,
      env({
        WORKER_METRICS_PORT: String(9463 + i),
        EVENT_PUBLIC_KEYS: eventKeys.publicKey,
        ...clusterEngineAuthEnv(cluster, 'worker'),
      }),
    );
    engines.push(`worker-${i}`);
    log(`[cluster] worker-${i} polling (metrics on :${9463 + i})`);
  }
  for (let i = 1; i <= apis; i++) {
    if (stopping) break;
    const port = 2999 + i;
    await startEngineProcess(
      cluster,
      'api',
      i,
      env({
        API_PORT: String(port),
        API_METRICS_PORT: String(9563 + i),
        API_KEYS: apiKeysSpec(keys),
        EVENT_SIGNING_KEY: eventKeys.secretKey,
        DOSSIER_SIGNING_KEY: dossierKeys.secretKey,
        ...clusterEngineAuthEnv(cluster, 'api'),
      }),
    );
    engines.push(`api-${i}`);
    log(`[cluster] api-${i} ready on http://localhost:${port} (metrics on :${9563 + i})`);
  }

  log('');
  log(`Trade escrow engine on a Temporal cluster, up in ${Math.round((Date.now() - started) / 1000)}s:`);
  for (let i = 1; i <= apis; i++) log(`  API          http://localhost:${2999 + i}`);
  log(`  Temporal UI  ${cluster.uiUrl}`);
  log(
    `  Temporal     ${cluster.frontendAddress} (server ${cluster.binaries.version}, namespace ${CLUSTER_NAMESPACE}; 5 services, PostgreSQL; JWT authorization)`,
  );
  log(`  OpenID       ${cluster.oidc.issuer} (tokens of the worker and the API; the UI's login)`);
  log(`    arbitrators log in as: ${cluster.oidc.arbitrators.map((a) => a.id).join(', ')} (any password)`);
  log(`  PostgreSQL   ${cluster.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
  log(`  Logs         ${join(dir, 'logs')}/<process>.log`);
  log(`  API keys     (development; kept in ${join(dir, 'dev-api-keys.json')})`);
  for (const [role, key] of Object.entries(keys)) log(`    ${role.padEnd(12)} ${key}`);
  for (const line of await clusterSizing(cluster)) log(`  ${line}`);
  log('Press Ctrl-C to stop.');
} catch (err) {
  log(`[cluster] failed to start: ${(err as Error).message}`);
  await shutdown('error', 1);
}
