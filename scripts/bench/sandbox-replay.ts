import { readFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

/**
 * The sandbox section's child (sandbox.ts): replays one history (binary protobuf) `count` times, each as a
 * new workflow, under `node --cpu-prof`, and prints the CPU the replays took as JSON.
 */
const [bundlePath, historyPath, count] = process.argv.slice(2);
if (!bundlePath || !historyPath || !count) throw new Error('usage: sandbox-replay.ts BUNDLE HISTORY COUNT');
Runtime.install({ logger: new DefaultLogger('WARN') });
const history = proto.temporal.api.history.v1.History.decode(readFileSync(historyPath));
const histories = Array.from({ length: Number(count) }, (_, i) => ({ workflowId: `sandbox-${i}`, history }));
const before = process.cpuUsage();
const failures: string[] = [];
for await (const result of Worker.runReplayHistories(
  { workflowBundle: { codePath: bundlePath }, sinks: { exporter: { export: { fn: () => {} } } } },
  histories,
)) {
  if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
}
const cpu = process.cpuUsage(before);
console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, failures }));
