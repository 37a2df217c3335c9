import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { startDevPostgres } from '../../scripts/dev-postgres.js';
import { startDevTemporal } from '../../scripts/dev-temporal-server.js';
import { freePort } from '../../scripts/free-port.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';
import { enrolTestSuppliers } from './test-suppliers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    databaseUrl: string;
    workflowBundlePath: string;
    /**
     * TEMPORAL_OIDC_* of the engine's worker and API when the server authorizes (the cluster
     * suite); unset against the dev server, which takes anyone.
     */
    temporalEngineAuthEnv?: Record<'worker' | 'api', Record<string, string>>;
  }
}

/** One real Temporal dev server (with its Web UI) and one real PostgreSQL for the whole run. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'escrow-test-'));
  // PostgreSQL runs as an unprivileged user when we are root: it must be able to enter the directory.
  await chmod(dir, 0o755);
  const log = (line: string) => console.log(line);
  const started = await Promise.allSettled([
    process.env.TEMPORAL_ADDRESS
      ? Promise.resolve({
          address: process.env.TEMPORAL_ADDRESS,
          uiUrl: process.env.TEMPORAL_UI_URL,
          stop: async () => {},
        })
      : startDevTemporal({ port: await freePort(), uiPort: await freePort(), fastSqlite: true, log }),
    process.env.DATABASE_URL
      ? Promise.resolve({ databaseUrl: process.env.DATABASE_URL, stop: async () => {} })
      : startDevPostgres({ dir: join(dir, 'pg'), port: await freePort(), ephemeral: true, fast: true, log }),
    writeWorkflowBundle(join(dir, 'workflow-bundle.js')),
  ] as const);
  const stopAll = async () => {
    await Promise.allSettled(
      started.map((s) =>
        s.status === 'fulfilled' && typeof s.value === 'object' ? s.value.stop() : undefined,
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [temporal, postgres, workflowBundlePath] = started.map(
    (s) => (s as PromiseFulfilledResult<unknown>).value,
  ) as [
    { address: string; uiUrl?: string; stop(): Promise<void> },
    { databaseUrl: string; stop(): Promise<void> },
    string,
  ];
  const pool = createPool(postgres.databaseUrl, 1);
  await migrate(pool);
  await pool.end();
  await enrolTestSuppliers(postgres.databaseUrl);

  project.provide('temporalAddress', temporal.address);
  project.provide('temporalUiUrl', temporal.uiUrl ?? '');
  project.provide('databaseUrl', postgres.databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);

  return stopAll;
}
