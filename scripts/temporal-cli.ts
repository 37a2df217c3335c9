import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnTied } from './tied-child.js';

/**
 * Finds the official Temporal CLI (it carries the dev server and the Web UI) or builds it.
 *
 * Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project cache, a `go install` into that
 * cache. Later CLI tags carry `replace` directives and cannot be `go install`ed, hence the pin.
 * Returns undefined when none of that is possible, so that callers fall back to the SDK's
 * own download (a machine with internet and no Go).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function temporalCliCacheDir(): string {
  const base =
    process.env.TRADE_ESCROW_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trade-escrow');
  return join(base, 'temporal-cli', TEMPORAL_CLI_VERSION);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

export function findTemporalCli(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const cached = join(temporalCliCacheDir(), 'temporal');
  if (isExecutable(cached)) return cached;
  return onPath('temporal');
}

function goBinary(): string | undefined {
  return onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

export async function buildTemporalCli(
  log: (line: string) => void = console.log,
): Promise<string | undefined> {
  const go = goBinary();
  if (!go) return undefined;
  const dir = temporalCliCacheDir();
  mkdirSync(dir, { recursive: true });
  log(
    `[temporal-cli] building ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} into ${dir} with ${go}` +
      ' (one time only: about 5-15 minutes and a few GB of RAM on 2 cores)',
  );
  const started = Date.now();
  const child = spawnTied(go, ['install', '-v', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: dir, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
    stdio: ['ignore', 'pipe', 'pipe'],
    deathSignal: 'SIGTERM',
  });
  let packages = 0;
  let lastLine = '';
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (!line.startsWith('go: downloading')) packages++;
      lastLine = line;
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const ticker = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    log(`[temporal-cli] still building: ${secs}s elapsed, ${packages} packages compiled, last: ${lastLine}`);
  }, 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  const binary = join(dir, 'temporal');
  if (code !== 0 || !isExecutable(binary)) {
    throw new Error(`go install of the Temporal CLI failed (exit ${code}):\n${tail.join('\n')}`);
  }
  log(`[temporal-cli] built ${binary} in ${Math.round((Date.now() - started) / 1000)}s`);
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
