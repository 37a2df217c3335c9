import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnTied } from './tied-child.js';

/**
 * Builds the Go programs the project runs (the Temporal CLI, the Temporal server, its SQL tool and
 * Web UI) once into the user cache, pinned to versions that `go install` can build (no `replace`
 * directives), and finds them there afterwards.
 */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env.TRADE_ESCROW_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trade-escrow');
  return join(base, ...parts);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/**
 * A tool built with Go: the binary `envVar` names (which must be executable), else the project
 * cache's build of the pinned version, else one of that name on PATH; undefined when none is there.
 */
export function findGoTool(tool: { envVar: string; cached: string; onPath: string }): string | undefined {
  const explicit = process.env[tool.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${tool.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  if (isExecutable(tool.cached)) return tool.cached;
  return onPath(tool.onPath);
}

export function goBinary(): string | undefined {
  return onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

export interface GoInstall {
  /** Prefix of the progress lines, e.g. `temporal-cli`. */
  label: string;
  /** Package paths of one module, installed at `version`. */
  packages: string[];
  version: string;
  /** GOBIN: the binaries land here, named after the last element of their package path. */
  dir: string;
  /** What to tell the user about the cost before the first line of progress. */
  expected: string;
  log?: (line: string) => void;
}

/** `go install` with a line of progress every 20 s: a cold build takes minutes on 2 cores. */
export async function goInstall(options: GoInstall): Promise<void> {
  const log = options.log ?? console.log;
  const go = goBinary();
  if (!go) throw new Error(`[${options.label}] no Go toolchain: install Go to build ${options.packages[0]}`);
  mkdirSync(options.dir, { recursive: true });
  const targets = options.packages.map((p) => `${p}@${options.version}`);
  log(
    `[${options.label}] building ${targets.join(' ')} into ${options.dir} with ${go} (${options.expected})`,
  );
  const started = Date.now();
  const child = spawnTied(go, ['install', '-v', ...targets], {
    env: {
      ...process.env,
      GOBIN: options.dir,
      GOFLAGS: process.env.GOFLAGS ?? '-mod=mod',
      // A module may need a newer Go than the machine's (the Temporal server 1.30.9 and later ask
      // for 1.26.10): `auto` has the go command fetch that toolchain as a module, once, where a
      // distribution's go.env says `local` and the build would stop at "requires go >= …".
      GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto',
    },
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
    log(
      `[${options.label}] still building: ${secs}s elapsed, ${packages} packages compiled, last: ${lastLine}`,
    );
  }, 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  const missing = options.packages
    .map((p) => join(options.dir, p.slice(p.lastIndexOf('/') + 1)))
    .filter((binary) => !isExecutable(binary));
  if (code !== 0 || missing.length > 0) {
    throw new Error(`go install of ${targets.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`);
  }
  log(`[${options.label}] built in ${Math.round((Date.now() - started) / 1000)}s`);
}

/** The module cache, where `go install` left the module's non-Go files (the server's SQL schemas). */
export async function goModCache(): Promise<string> {
  const go = goBinary();
  if (!go) throw new Error('no Go toolchain');
  const child = spawn(go, ['env', 'GOMODCACHE'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || !out.trim()) throw new Error('go env GOMODCACHE failed');
  return out.trim();
}
