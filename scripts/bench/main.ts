import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DevPostgresError } from '../dev-postgres.js';
import { cpuSampler } from './cpu.js';
import { creditSection } from './credit.js';
import { ledgerSection } from './ledger.js';
import { lifecycleSection } from './lifecycle.js';
import { memoryMeter, memorySection } from './memory.js';
import { parseOptions, type Settings } from './options.js';
import { workerNodeFlags } from './processes.js';
import { programSection } from './program.js';
import { type Progress, progressSince } from './progress.js';
import { closedWithoutWorker, readsSection } from './reads.js';
import { type BenchReport, markdownTable, writeReport } from './report.js';
import { reportHeader } from './report-header.js';
import { sandboxSection } from './sandbox.js';
import { type Bench, setUp } from './setup.js';
import { round } from './stats.js';
import { stormSection } from './storm.js';
import { Teardown } from './teardown.js';
import { whatifSection } from './whatif.js';

/**
 * `npm run bench`: the engine end to end, every figure a ratio to a ceiling measured in the same
 * run on the same worker: the ceilings are workflows with the order's interaction shape and none
 * of the engine's own work (scripts/bench/workflows.ts). Writes docs/bench/latest.json, the table in
 * docs/bench/README.md and docs/bench/latency.svg.
 */
const ROOT = join(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const { settings, sections, outDir } = parseOptions(ROOT);
  const started = Date.now();
  const progress = progressSince(started);
  const teardown = new Teardown();
  const interrupted = (exitCode: number) => () => {
    // The sections run on while the teardown stops what they call, and their failures are the
    // interruption's: one, a Temporal client's retry once its connection is closed, is thrown from
    // a timer and would end the process before the teardown has removed the run's directory.
    process.on('uncaughtException', () => {});
    void teardown.run().then(() => process.exit(exitCode));
  };
  process.on('SIGINT', interrupted(130));
  process.on('SIGTERM', interrupted(143));
  try {
    progress(`settings ${JSON.stringify(settings)}; sections ${[...sections].join(',')}`);
    const nodeFlags = workerNodeFlags(ROOT);
    const bench = await setUp({ root: ROOT, workerNodeFlags: nodeFlags, teardown, progress });
    const memoryNow = memoryMeter(bench.pids);
    const report = reportHeader({
      root: ROOT,
      settings,
      sections,
      workerNodeFlags: nodeFlags,
      idleMemory: memoryNow(),
    });
    try {
      await runSections(bench, report, { settings, sections, memoryNow, progress });
    } catch (err) {
      console.error('the benchmark stopped:', err);
      process.exitCode = 1;
    } finally {
      report.webhooks = await bench.webhooks.settle(bench.db);
      report.durationSeconds = Math.round((Date.now() - started) / 1000);
      report.machine.loadAverageAtEnd = loadavg().map((l) => round(l, 2));
      await writeReport(outDir, report);
      console.log(`\n${markdownTable(report)}\n`);
      progress(`wrote ${outDir}/latest.json, README.md, latency.svg in ${report.durationSeconds} s`);
    }
  } catch (err) {
    if (!(err instanceof DevPostgresError)) throw err;
    console.error(`[bench] ${err.message}`);
    process.exitCode = 1;
  } finally {
    await teardown.run();
  }
}

/** The chosen sections in order, each one's figures into `report` as it ends. */
async function runSections(
  bench: Bench,
  report: BenchReport,
  options: {
    settings: Settings;
    sections: ReadonlySet<string>;
    memoryNow: () => BenchReport['memory']['idle'];
    progress: Progress;
  },
): Promise<void> {
  const { settings, sections, progress } = options;
  const { client, taskQueue, orders, api, db } = bench;
  const run = Date.now().toString(36);
  if (sections.has('ledger')) report.ledger = await ledgerSection(bench.databaseUrl, settings, progress);
  // In a database of its own: its generated orders are in no other section's way.
  if (sections.has('whatif'))
    report.whatif = await whatifSection(bench.databaseUrl, settings.whatifOrders, progress);
  let closedDispute: string | undefined;
  if (sections.has('lifecycle')) {
    const cpu = cpuSampler(bench.pids);
    const lifecycle = await lifecycleSection({
      client,
      taskQueue,
      orders,
      api,
      cpu,
      settings,
      run,
      progress,
    });
    report.lifecycle = lifecycle.lifecycle;
    report.api = lifecycle.api;
    closedDispute = lifecycle.closedDispute;
  }
  // Replays the lifecycle's orders: it needs that section, and loads nothing of the servers.
  if (sections.has('sandbox') && report.lifecycle) {
    report.sandbox = await sandboxSection({
      client,
      bundlePath: bench.bundlePath,
      root: ROOT,
      run,
      replays: settings.replays,
      progress,
    });
  }
  const readsOptions = { api, client, reads: settings.reads, run, progress };
  let closedOrder: string | undefined;
  if (sections.has('reads'))
    ({ reads: report.reads, closedOrder } = await readsSection(readsOptions, closedDispute));
  if (sections.has('storm')) {
    const lifecycleDirectPerSecond = report.lifecycle?.directPerSecond;
    report.storm = await stormSection({
      client,
      taskQueue,
      orders,
      db,
      settings,
      lifecycleDirectPerSecond,
      run,
      progress,
    });
  }
  if (sections.has('memory')) {
    await memorySection(
      { client, taskQueue, api, db, memoryNow: options.memoryNow, settings, run, progress },
      report.memory,
    );
  }
  // After every section that creates orders: its assessment may suspend the bench's supplier.
  if (sections.has('program')) {
    report.program = await programSection({ api, client, db, taskQueue, settings, run, progress });
  }
  if (sections.has('reconciliation')) {
    // Loaded only when chosen: it brings the API's app into this process, which no other section needs.
    const { reconciliationSection } = await import('./reconciliation.js');
    report.reconciliation = await reconciliationSection({
      databaseUrl: bench.databaseUrl,
      client,
      taskQueue,
      settings,
      progress,
    });
  }
  if (sections.has('credit')) report.credit = await creditSection({ api, client, settings, run, progress });
  // Last: a restarted worker starts cold, which any section after it would measure.
  if (closedOrder) {
    const closedNoWorker = await closedWithoutWorker(readsOptions, closedOrder, bench.engines.withoutWorker);
    report.reads = { ...report.reads, closedNoWorker };
  }
}

await main();
process.exit();
