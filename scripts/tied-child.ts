import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface TiedSpawnOptions extends SpawnOptions {
  /** What the child receives when this process ends without stopping it: its "stop now" signal. */
  deathSignal: NodeJS.Signals;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
const live = new Map<ChildProcess, NodeJS.Signals>();

/*
 * A crash (an uncaught exception, process.exit halfway through a start) still runs `exit`
 * listeners: they may only do synchronous work, and sending a signal is.
 */
process.on('exit', () => {
  for (const [child, signal] of live) child.kill(signal);
});

/**
 * Spawns a server (Temporal, PostgreSQL, a worker) that must not outlive this process, however it
 * ends. On Linux the kernel itself sends `deathSignal` when this process dies, even by SIGKILL
 * (setpriv --pdeathsig, set after any change of user so that the kernel keeps it); a crash that
 * lets `exit` listeners run sends it too, which covers systems without setpriv.
 *
 * With setpriv the child gets its own process group: a Ctrl-C in the terminal then reaches only
 * this process, which stops its servers in order (the worker drains while they still run).
 */
export function spawnTied(command: string, args: readonly string[], options: TiedSpawnOptions): ChildProcess {
  const { deathSignal, ...rest } = options;
  const spawnOptions = { ...rest, detached: Boolean(SETPRIV) };
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', deathSignal, '--', command, ...args], spawnOptions)
    : spawn(command, args, spawnOptions);
  live.set(child, deathSignal);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}
