import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * The cluster's processes, each the leader of its own process group, with its pid in
 * `<dir>/run/<name>.pid` and its output in `<dir>/logs/<name>.log`. Signals go to the group,
 * never to a name: `npm run x` is npm → sh → node and a signal to npm alone leaves node running.
 * The pid files let another process (a test file, the next start) find and stop them.
 */
export interface ProcessDirs {
  runDir: string;
  logDir: string;
}

interface PidFile {
  pid: number;
  command: string;
}

export function processDirs(dir: string): ProcessDirs {
  return { runDir: join(dir, 'run'), logDir: join(dir, 'logs') };
}

export function spawnGroup(
  dirs: ProcessDirs,
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): number {
  mkdirSync(dirs.runDir, { recursive: true });
  mkdirSync(dirs.logDir, { recursive: true });
  const out = openSync(join(dirs.logDir, `${name}.log`), 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${command}`);
    // Our own exit must neither wait for nor take down the group: stop() does that explicitly.
    child.unref();
    child.on('error', () => {});
    const record: PidFile = { pid: child.pid, command };
    writeFileSync(join(dirs.runDir, `${name}.pid`), JSON.stringify(record));
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** The pid of a running process of ours, checked against its command line (pids get reused). */
export function runningPid(dirs: ProcessDirs, name: string): number | undefined {
  const file = join(dirs.runDir, `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as PidFile;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    if (!cmdline.startsWith(record.command)) return undefined;
    const state = readFileSync(`/proc/${record.pid}/stat`, 'utf8').split(') ')[1]?.charAt(0);
    return state === 'Z' ? undefined : record.pid;
  } catch {
    return undefined;
  }
}

export function signalGroup(dirs: ProcessDirs, name: string, signal: NodeJS.Signals): number | undefined {
  const pid = runningPid(dirs, name);
  if (pid === undefined) return undefined;
  try {
    process.kill(-pid, signal);
  } catch {
    return undefined;
  }
  return pid;
}

async function waitGone(dirs: ProcessDirs, name: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (runningPid(dirs, name) !== undefined) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** SIGKILL, as a crash: returns once the process is gone. */
export async function killGroup(dirs: ProcessDirs, name: string): Promise<void> {
  if (signalGroup(dirs, name, 'SIGKILL') !== undefined) await waitGone(dirs, name, 10_000);
  rmSync(join(dirs.runDir, `${name}.pid`), { force: true });
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(dirs: ProcessDirs, name: string, graceMs = 15_000): Promise<void> {
  if (signalGroup(dirs, name, 'SIGTERM') !== undefined && !(await waitGone(dirs, name, graceMs))) {
    signalGroup(dirs, name, 'SIGKILL');
    await waitGone(dirs, name, 10_000);
  }
  rmSync(join(dirs.runDir, `${name}.pid`), { force: true });
}

/** Names of the processes a previous run left behind (after a crash or a SIGKILL of the script). */
export function leftovers(dirs: ProcessDirs): string[] {
  if (!existsSync(dirs.runDir)) return [];
  return readdirNames(dirs.runDir).filter((name) => runningPid(dirs, name) !== undefined);
}

function readdirNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -'.pid'.length));
}

/** Resident memory of a process group's leader, in MB: the sizing figures of docs/operations.md. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}
