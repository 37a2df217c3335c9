import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import {
  clusterSizing,
  freeClusterPorts,
  startCluster,
  uiCallbackUrl,
} from '../../scripts/cluster/cluster.js';
import { startDevOidcProvider } from '../../scripts/dev-oidc-provider.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running cluster's directory: readClusterInfo(clusterDir) to kill and restart services. */
    clusterDir: string;
    /** The OpenID provider the Web UI logs arbitrators in through. */
    oidcIssuer: string;
    /** Who logs in there as an arbitrator (the dev provider takes any password). */
    oidcArbitrator: { login: string; email: string };
  }
}

const ARBITRATOR = { id: 'alice', email: 'alice@arbitration.example', permissions: ['default:write'] };
const UI_CLIENT = { clientId: 'temporal-ui', clientSecret: 'dev-ui-secret' };

/**
 * One real multi-service Temporal cluster on PostgreSQL for the whole cluster suite, provided
 * under the same names as the dev server of the main suite, so that its scenario files run
 * unchanged against the cluster.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'escrow-cluster-'));
  // PostgreSQL runs as an unprivileged user when we are root: it must be able to enter the directory.
  await chmod(dir, 0o755);
  const log = (line: string) => console.log(line);
  const started = Date.now();
  const ports = await freeClusterPorts();
  // Before the cluster: the UI server reads the provider's discovery document when it starts.
  const oidc = await startDevOidcProvider({
    services: [],
    users: [ARBITRATOR],
    ui: { ...UI_CLIENT, callbackUrl: uiCallbackUrl(ports) },
  });
  const [cluster, workflowBundlePath] = await Promise.all([
    startCluster({ dir, ports, fast: true, log, oidc: { issuer: oidc.issuer, ...UI_CLIENT } }),
    writeWorkflowBundle(join(dir, 'workflow-bundle.js')),
  ]).catch(async (err) => {
    // startCluster stopped what it had started; the logs say why, so keep them in the error.
    const logs = join(dir, 'logs');
    const tails = (await readdir(logs).catch(() => [] as string[])).map(async (file) => {
      const text = await readFile(join(logs, file), 'utf8');
      return `--- ${file}\n${text.split('\n').slice(-5).join('\n').slice(-3000)}`;
    });
    const detail = (await Promise.all(tails)).join('\n');
    await rm(dir, { recursive: true, force: true });
    await oidc.stop();
    throw new Error(`${(err as Error).message}\n${detail}`);
  });
  log(`[cluster] ready for the tests in ${Math.round((Date.now() - started) / 1000)}s`);
  const pool = createPool(cluster.databaseUrl, 1);
  await migrate(pool).finally(() => pool.end());

  project.provide('temporalAddress', cluster.frontendAddress);
  project.provide('temporalUiUrl', cluster.uiUrl);
  project.provide('databaseUrl', cluster.databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('clusterDir', dir);
  project.provide('oidcIssuer', oidc.issuer);
  project.provide('oidcArbitrator', { login: ARBITRATOR.id, email: ARBITRATOR.email });

  return async () => {
    for (const line of await clusterSizing(cluster).catch(() => [])) log(`[cluster] ${line}`);
    await cluster.stop();
    await oidc.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
