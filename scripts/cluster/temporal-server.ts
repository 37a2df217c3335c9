import { chmodSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, goInstall, goModCache, isExecutable } from '../go-install.js';

/**
 * The self-hosted Temporal server, its SQL schema tool and its Web UI, built once into the user
 * cache like the CLI. docker-compose.yml runs the same releases (a unit test compares them).
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
/** The UI release the CLI v1.5.1 embeds, so that `npm start` and the cluster look the same. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  ui: string;
  /** `schema/postgresql/v12` of the server release: `temporal/` and `visibility/`. */
  schemaDir: string;
}

function locations(): TemporalServerBinaries {
  const serverDir = cacheDir('temporal-server', TEMPORAL_SERVER_VERSION);
  return {
    server: join(serverDir, 'server'),
    sqlTool: join(serverDir, 'sql'),
    ui: join(cacheDir('temporal-ui', TEMPORAL_UI_VERSION), 'server'),
    schemaDir: join(serverDir, 'schema', 'postgresql', 'v12'),
  };
}

export function findTemporalServer(): TemporalServerBinaries | undefined {
  const found = locations();
  const ready =
    isExecutable(found.server) &&
    isExecutable(found.sqlTool) &&
    isExecutable(found.ui) &&
    existsSync(join(found.schemaDir, 'visibility', 'versioned'));
  return ready ? found : undefined;
}

/** Finds the binaries or builds them (about 7 minutes on 2 cores, once). */
export async function provisionTemporalServer(
  log: (line: string) => void = console.log,
): Promise<TemporalServerBinaries> {
  const found = findTemporalServer();
  if (found) {
    log(`[temporal-server] using ${found.server} (${TEMPORAL_SERVER_VERSION}, UI ${TEMPORAL_UI_VERSION})`);
    return found;
  }
  const wanted = locations();
  const serverDir = join(wanted.server, '..');
  if (!isExecutable(wanted.server) || !isExecutable(wanted.sqlTool)) {
    await goInstall({
      label: 'temporal-server',
      packages: [`${SERVER_MODULE}/cmd/server`, `${SERVER_MODULE}/cmd/tools/sql`],
      version: TEMPORAL_SERVER_VERSION,
      dir: serverDir,
      expected: 'one time only: about 7 minutes on 2 cores',
      log,
    });
  }
  if (!isExecutable(wanted.ui)) {
    await goInstall({
      label: 'temporal-ui',
      packages: [`${UI_MODULE}/cmd/server`],
      version: TEMPORAL_UI_VERSION,
      dir: join(wanted.ui, '..'),
      expected: 'one time only: about a minute',
      log,
    });
  }
  // The schemas ship in the module, not in the binary: keep a copy next to the binary so that
  // a cleaned module cache does not break the cluster.
  const moduleDir = join(await goModCache(), `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`);
  cpSync(join(moduleDir, 'schema', 'postgresql', 'v12'), wanted.schemaDir, { recursive: true });
  // The module cache is read-only; its copy must stay removable with the rest of the cache.
  makeWritable(wanted.schemaDir);
  log(`[temporal-server] ready in ${serverDir}`);
  return wanted;
}

function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}
