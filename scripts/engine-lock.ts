import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** What `npm start` writes to `.data/engine.json` while it runs: enough to point a second one at it. */
export interface EngineLock {
  pid: number;
  startedAt: string;
  api: string;
  temporalUi?: string;
}

/**
 * Takes the directory's engine lock, or returns the engine that holds it. The file is created
 * exclusively; one left by an engine that died (its process is gone) is taken over.
 */
export function acquireEngineLock(file: string, lock: EngineLock): EngineLock | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder && isEngine(holder.pid)) return holder;
    unlinkSync(file);
  }
  throw new Error(`could not take the engine lock ${file}: another npm start is starting here`);
}

export function releaseEngineLock(file: string) {
  if (readLock(file)?.pid === process.pid) unlinkSync(file);
}

function readLock(file: string): EngineLock | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EngineLock;
  } catch {
    return undefined;
  }
}

/** A live process that is an `npm start` (after a reboot or in a new container, its pid may be reused). */
function isEngine(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.ts');
  } catch {
    return true;
  }
}
