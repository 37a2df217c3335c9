import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import {
  clusterEngineAuthEnv,
  clusterSizing,
  freeClusterPorts,
  startCluster,
} from '../../scripts/cluster/cluster.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';
import { enrolTestSuppliers } from '../support/test-suppliers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running cluster's directory: readClusterInfo(clusterDir) to kill and restart services. */
    clusterDir: string;
    /** Who logs in to the cluster's Web UI as an arbitrator (the dev provider takes any password). */
    oidcArbitrator: { login: string; email: string };
  }
}

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
  const [cluster, workflowBundlePath] = await Promise.all([
    // Service tokens live a minute: every long-running client of the suite renews its token.
    startCluster({ dir, ports: await freeClusterPorts(), fast: true, serviceTokenTtlSeconds: 60, log }),
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
    throw new Error(`${(err as Error).message}\n${detail}`);
  });
  log(`[cluster] ready for the tests in ${Math.round((Date.now() - started) / 1000)}s`);
  const pool = createPool(cluster.databaseUrl, 1);
  await migrate(pool).finally(() => pool.end());
  await enrolTestSuppliers(cluster.databaseUrl);

  project.provide('temporalAddress', cluster.frontendAddress);
  project.provide('temporalUiUrl', cluster.uiUrl);
  project.provide('databaseUrl', cluster.databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('clusterDir', dir);
  const [arbitrator] = cluster.oidc.arbitrators;
  if (arbitrator) project.provide('oidcArbitrator', { login: arbitrator.id, email: arbitrator.email });
  project.provide('temporalEngineAuthEnv', {
    worker: clusterEngineAuthEnv(cluster, 'worker'),
    api: clusterEngineAuthEnv(cluster, 'api'),
  });

  return async () => {
    for (const line of await clusterSizing(cluster).catch(() => [])) log(`[cluster] ${line}`);
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
