import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheDir, findGoTool, goBinary, goInstall } from './go-install.js';

/**
 * Finds the official Temporal CLI (it carries the dev server and the Web UI) or builds it.
 *
 * Order: TEMPORAL_CLI_PATH, the project cache (the pinned version), `temporal` on PATH, a
 * `go install` into that cache. Later CLI tags carry `replace` directives and cannot be
 * `go install`ed, hence the pin.
 * Returns undefined when none of that is possible, so that callers fall back to the SDK's
 * own download (a machine with internet and no Go).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function temporalCliCacheDir(): string {
  return cacheDir('temporal-cli', TEMPORAL_CLI_VERSION);
}

export function findTemporalCli(): string | undefined {
  return findGoTool({
    envVar: 'TEMPORAL_CLI_PATH',
    cached: join(temporalCliCacheDir(), 'temporal'),
    onPath: 'temporal',
  });
}

export async function buildTemporalCli(
  log: (line: string) => void = console.log,
): Promise<string | undefined> {
  if (!goBinary()) return undefined;
  const dir = temporalCliCacheDir();
  await goInstall({
    label: 'temporal-cli',
    packages: [TEMPORAL_CLI_MODULE],
    version: TEMPORAL_CLI_VERSION,
    dir,
    expected: 'one time only: about 5-15 minutes and a few GB of RAM on 2 cores',
    log,
  });
  const binary = join(dir, 'temporal');
  log(`[temporal-cli] built ${binary}`);
  return binary;
}

/** The binary to run, building it if needed; undefined means "let the SDK download one". */
export async function provisionTemporalCli(
  log: (line: string) => void = console.log,
): Promise<string | undefined> {
  const found = findTemporalCli();
  if (found) {
    const version = spawnSync(found, ['--version'], { encoding: 'utf8' }).stdout.trim();
    log(`[temporal-cli] using ${found} (${version || 'version unknown'})`);
    return found;
  }
  const built = await buildTemporalCli(log);
  if (!built)
    log('[temporal-cli] no temporal binary and no Go toolchain: the Temporal SDK will download the CLI');
  return built;
}
