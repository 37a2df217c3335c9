import { pool } from './stats.js';

/** One line of what a run is doing: a run takes minutes, and a silent one looks hung. */
export type Progress = (line: string) => void;

/** Lines prefixed with the seconds since `started`. */
export function progressSince(started: number): Progress {
  return (line) => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    console.log(`[bench ${elapsed}s] ${line}`);
  };
}

/**
 * Runs `one(i)` for `count` items, `concurrency` at a time, with a progress line every 5 s (and
 * `detail()` on it); answers the items per second.
 */
export async function timedRun(
  progress: Progress,
  concurrency: number,
  label: string,
  count: number,
  one: (i: number) => Promise<void>,
  detail: () => string = () => '',
): Promise<number> {
  const started = performance.now();
  let done = 0;
  const ticker = setInterval(() => progress(`  ${label}: ${done}/${count} ${detail()}`.trimEnd()), 5000);
  try {
    await pool(count, concurrency, async (i) => {
      await one(i);
      done++;
    });
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  progress(`  ${label}: ${count} in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(2)}/s)`);
  return count / seconds;
}
