import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { historyPages } from './actions.js';
import type { Progress } from './progress.js';
import { round } from './stats.js';

const { temporal } = proto;
const run = promisify(execFile);

/** Per new workflow, in milliseconds: CPU of its replay, and the part of it spent evaluating modules. */
export interface SandboxCase {
  cpuMs: number;
  moduleEvaluationMs: number;
  /** …of which building zod schemas in the engine's schema modules. */
  schemaModulesMs: number;
}

export interface SandboxFigures {
  replays: number;
  order: SandboxCase;
  ceiling: SandboxCase;
  /** Evaluated once per process (the preloaded modules and their first use), not per workflow. */
  oncePerProcessMs: number;
}

/**
 * What a new workflow costs the worker's workflow thread before it does anything of its own: the
 * SDK evaluates the bundle's modules for each workflow it creates in its reusable V8 context (all
 * but the preloaded ones), on every new order and on every replay after an eviction. The lifecycle
 * section's first happy order and its ceiling's shape are fetched and each replayed `replays`
 * times as new workflows in a child under `node --cpu-prof`; module evaluation is read from the
 * profile (the samples under a module's top-level function; webpack names each after its path).
 */
export async function sandboxSection(options: {
  client: Client;
  bundlePath: string;
  root: string;
  run: string;
  replays: number;
  progress: Progress;
}): Promise<SandboxFigures> {
  const { client, run: id, replays, progress } = options;
  const dir = await mkdtemp(join(tmpdir(), 'escrow-sandbox-'));
  try {
    const measure = async (name: string, workflowId: string) => {
      progress(`sandbox: replaying ${replays} copies of ${workflowId} under --cpu-prof`);
      const historyPath = join(dir, `${name}.bin`);
      await writeFile(historyPath, await historyBytes(client, workflowId));
      const profileDir = join(dir, name);
      const { stdout } = await run(
        process.execPath,
        [
          '--cpu-prof',
          `--cpu-prof-dir=${profileDir}`,
          '--import',
          'tsx',
          join(options.root, 'scripts/bench/sandbox-replay.ts'),
          options.bundlePath,
          historyPath,
          String(replays),
        ],
        { cwd: options.root, maxBuffer: 16 * 1024 * 1024 },
      );
      const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
        cpuMs: number;
        failures: string[];
      };
      if (result.failures.length > 0)
        throw new Error(`sandbox: replays failed: ${result.failures.slice(0, 3).join('; ')}`);
      const [file] = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`sandbox: no CPU profile in ${profileDir}`);
      const modules = moduleTimes(JSON.parse(await readFile(join(profileDir, file), 'utf8')));
      return { cpuMs: result.cpuMs, modules };
    };
    const order = await measure('order', workflowIdFor(`bench-http-${id}-1-0`));
    const ceiling = await measure('ceiling', `bench-shape-${id}-1-0`);
    const perWorkflow = (m: typeof order): SandboxCase => ({
      cpuMs: round(m.cpuMs / replays, 2),
      moduleEvaluationMs: round(m.modules.perWorkflowMs / replays, 2),
      schemaModulesMs: round(m.modules.schemaMs / replays, 2),
    });
    return {
      replays,
      order: perWorkflow(order),
      ceiling: perWorkflow(ceiling),
      oncePerProcessMs: round(order.modules.preloadedMs, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function historyBytes(client: Client, workflowId: string): Promise<Uint8Array> {
  const events = (await historyPages(client, workflowId)).flatMap((page) => page.events ?? []);
  return temporal.api.history.v1.History.encode({ events }).finish();
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** webpack's name for a module's top-level function is the module's path. */
const MODULE = /^\.\/(workflows|scripts|node_modules)\//;
const SCHEMA_MODULE = /^\.\/workflows\/(.+\/)?schemas\//;
/** worker/workflow-bundle.ts's WORKFLOW_PRELOAD_MODULES: evaluated once, before any workflow. */
const PRELOADED = /^\.\/node_modules\/(zod|@noble)\//;

/**
 * Milliseconds of samples whose stack holds a module's top-level function, each given to the
 * innermost such module: the preloaded libraries (once per process), the schema modules, and all
 * that is evaluated per workflow.
 */
function moduleTimes(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let preloadedUs = 0;
  let perWorkflowUs = 0;
  let schemaUs = 0;
  profile.samples.forEach((sample, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const name = byId.get(id)?.callFrame.functionName ?? '';
      if (!MODULE.test(name)) continue;
      if (PRELOADED.test(name)) preloadedUs += us;
      else {
        perWorkflowUs += us;
        if (SCHEMA_MODULE.test(name)) schemaUs += us;
      }
      return;
    }
  });
  return { preloadedMs: preloadedUs / 1000, perWorkflowMs: perWorkflowUs / 1000, schemaMs: schemaUs / 1000 };
}
