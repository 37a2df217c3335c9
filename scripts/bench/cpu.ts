import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat on every Linux the project runs on. */
const TICKS_PER_SECOND = 100;

interface ProcessTimes {
  ppid: number;
  ticks: number;
}

function readAll(): Map<number, ProcessTimes> {
  const all = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime and cstime: its own CPU and that of the children it has reaped, for
      // PostgreSQL's backends end with their connections and would take their CPU out of the count.
      const ticks = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
      all.set(Number(entry), { ppid: Number(fields[1]), ticks });
    } catch {
      // The process ended while the list was read.
    }
  }
  return all;
}

/** CPU seconds used so far by each named process and its descendants, living or reaped (PostgreSQL's backends). */
export type CpuTimes = Record<string, number>;

/**
 * Where an order's CPU goes: each process of the engine is sampled before and after a run, and the
 * difference divided by the orders the run completed. Linux only: elsewhere, `available` is false.
 */
export function cpuSampler(roots: () => Record<string, number | undefined>) {
  const available = (() => {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  })();
  return {
    available,
    sample(): CpuTimes {
      const own = process.cpuUsage();
      const times: CpuTimes = { bench: (own.user + own.system) / 1e6 };
      if (!available) return times;
      const all = readAll();
      const children = new Map<number, number[]>();
      for (const [pid, { ppid }] of all) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      const treeTicks = (pid: number): number =>
        (all.get(pid)?.ticks ?? 0) + (children.get(pid) ?? []).reduce((n, child) => n + treeTicks(child), 0);
      for (const [name, pid] of Object.entries(roots())) {
        if (pid !== undefined) times[name] = treeTicks(pid) / TICKS_PER_SECOND;
      }
      return times;
    },
  };
}

/** Milliseconds of CPU per order between two samples, by process. */
export function perOrder(before: CpuTimes, after: CpuTimes, orders: number): CpuTimes {
  const out: CpuTimes = {};
  for (const [name, seconds] of Object.entries(after)) {
    out[name] = Math.round(((seconds - (before[name] ?? 0)) * 1000) / orders);
  }
  return out;
}
