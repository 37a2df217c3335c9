import { chmodSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, goInstall, goModCache, isExecutable } from '../go-install.js';

/**
 * The self-hosted Temporal server, its SQL schema tool and its Web UI, built once into the user
 * cache like the CLI. docker-compose.yml runs the same releases (a unit test compares them).
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
/**
 * The releases a cluster went through to reach TEMPORAL_SERVER_VERSION, one minor at a time as
 * Temporal supports upgrades: the newest patch of each minor that `go install` can build from the
 * module proxy (1.31.3 to 1.31.5 need versions of go.temporal.io/auto-scaled-workers it refuses).
 * `npm run cluster:upgrade-check` upgrades a cluster holding open orders along it (docs/operations.md).
 */
export const TEMPORAL_UPGRADE_PATH = ['v1.29.1', 'v1.30.9', 'v1.31.2', TEMPORAL_SERVER_VERSION] as const;
const SERVER_MODULE = 'go.temporal.io/server';
/** The UI release the CLI v1.5.1 embeds, so that `npm start` and the cluster look the same. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalServerBinaries {
  /** The server release these are of, as `v1.32.2`. */
  version: string;
  server: string;
  sqlTool: string;
  ui: string;
  /** `schema/postgresql/v12` of the server release: `temporal/` and `visibility/`. */
  schemaDir: string;
}

/** One directory per release, so that a cluster can be upgraded from one to the next. */
function locations(version: string): TemporalServerBinaries {
  const serverDir = cacheDir('temporal-server', version);
  return {
    version,
    server: join(serverDir, 'server'),
    sqlTool: join(serverDir, 'sql'),
    ui: join(cacheDir('temporal-ui', TEMPORAL_UI_VERSION), 'server'),
    schemaDir: join(serverDir, 'schema', 'postgresql', 'v12'),
  };
}

export function findTemporalServer(version = TEMPORAL_SERVER_VERSION): TemporalServerBinaries | undefined {
  const found = locations(version);
  const ready =
    isExecutable(found.server) &&
    isExecutable(found.sqlTool) &&
    isExecutable(found.ui) &&
    existsSync(join(found.schemaDir, 'visibility', 'versioned'));
  return ready ? found : undefined;
}

/** Finds the binaries of a release or builds them (about 7 minutes on 2 cores, once per release). */
export async function provisionTemporalServer(
  log: (line: string) => void = console.log,
  version = TEMPORAL_SERVER_VERSION,
): Promise<TemporalServerBinaries> {
  const found = findTemporalServer(version);
  if (found) {
    log(`[temporal-server] using ${found.server} (${version}, UI ${TEMPORAL_UI_VERSION})`);
    return found;
  }
  const wanted = locations(version);
  const serverDir = join(wanted.server, '..');
  if (!isExecutable(wanted.server) || !isExecutable(wanted.sqlTool)) {
    await goInstall({
      label: 'temporal-server',
      packages: [`${SERVER_MODULE}/cmd/server`, `${SERVER_MODULE}/cmd/tools/sql`],
      version,
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
  const moduleDir = join(await goModCache(), `${SERVER_MODULE}@${version}`);
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
