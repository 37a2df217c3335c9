import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { type Node, parseSync, type StringLiteral } from '@swc/core';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const NOT_SOURCE = new Set(['node_modules', '.git', '.data', 'dist', 'fixtures']);

/**
 * The folders from the ground up. A file may import files of its own folder and of the layers
 * below; never a layer above, nor another folder of its own layer. `.` stands for files at the root.
 * A folder not listed belongs to the nearest listed folder above it (`api/routes` is `api`).
 */
const LAYERS: readonly (readonly string[])[] = [
  // The order itself, deterministic code only, no I/O; from the ground up:
  // the schemas of what comes in (contract, commands, reports) and of the snapshot;
  ['workflows/schemas'],
  // The credit line (docs/credit.md) is a second workflow in the same layers, each just above the
  // order's, so that it builds on the order's schemas, rules and formatting and never the reverse.
  ['workflows/credit-line/schemas'],
  // pure rules: the quality evaluation, settlement arithmetic, the events' signatures;
  ['workflows/rules'],
  // the line's: the scorecard, interest, the order of repayments;
  ['workflows/credit-line/rules'],
  // the model: state, the lifecycle table, messages, events, versions, the activities' interface;
  ['workflows/model'],
  ['workflows/credit-line/model'],
  // what the order shows and sends: the arbitrator's case file, the outbound event stream;
  ['workflows/case-file', 'workflows/stream'],
  // the underwriter's case file;
  ['workflows/credit-line/case-file'],
  // the handlers of the Updates and timers, around the Order (the CreditLine) they share;
  ['workflows/handlers', 'workflows/credit-line/handlers'],
  // the line's workflow function;
  ['workflows/credit-line'],
  // the order's workflow function and the bundle's entry points.
  ['workflows'],
  // What every process shares: configuration, logs and limits; PostgreSQL (pool, migrations,
  // ledger, event store).
  ['config', 'db'],
  // The workflow's side effects, on db/.
  ['activities'],
  // The processes: the API, the worker, and the gate in front of the Temporal Web UI; none knows another.
  ['api', 'worker', 'gate'],
  // Development tooling around them (`npm start`, the embedded servers, benchmarks).
  ['scripts'],
  ['test', '.'],
];

/** The SDK's public entry points only: anything under `lib/` is internal and moves between releases. */
const SDK_INTERNALS = /^@temporalio\/[^/]+\/lib(\/|$)/;
/** Histories are read and written as `temporal workflow show` does, in this file alone: no public export can. */
const SDK_INTERNALS_ALLOWED = ['test/support/histories.ts'];

interface Edge {
  from: string;
  /** A project file (posix path from the root), or a package specifier. */
  to: string;
}

const FOLDERS = LAYERS.flat().sort((a, b) => b.length - a.length);

/**
 * The listed folder a file belongs to. A folder whose subfolders are listed (`workflows/`) has
 * none unlisted: a new one is on no layer until it is placed.
 */
function folderOf(file: string): string {
  const dir = posix.dirname(file);
  if (dir === '.') return '.';
  const listed = FOLDERS.find((f) => dir === f || dir.startsWith(`${f}/`));
  if (!listed) return dir.split('/')[0] as string;
  if (dir === listed || !FOLDERS.some((f) => f.startsWith(`${listed}/`))) return listed;
  return dir
    .split('/')
    .slice(0, listed.split('/').length + 1)
    .join('/');
}
const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

/** Why each edge breaks the layering; empty when none does. */
function violations(edges: readonly Edge[]): string[] {
  const found: string[] = [];
  for (const edge of edges) {
    if (!edge.to.includes('/') || !edge.to.endsWith('.ts')) continue;
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (from === to) continue;
    const [fromLayer, toLayer] = [layerOf(from), layerOf(to)];
    if (fromLayer === -1 || toLayer === -1) {
      found.push(`${edge.from} -> ${edge.to}: ${fromLayer === -1 ? from : to}/ is on no layer`);
    } else if (toLayer === fromLayer) {
      found.push(
        `${edge.from} -> ${edge.to}: ${from}/ and ${to}/ are on one layer and must not import each other`,
      );
    } else if (toLayer > fromLayer) {
      found.push(`${edge.from} -> ${edge.to}: ${from}/ is below ${to}/`);
    }
  }
  return found;
}

/**
 * The import circles among project files (Tarjan's strongly connected components), each as its
 * files: layers cannot see a circle inside one folder, where two files would each need the other.
 */
function circles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!to.endsWith('.ts')) continue;
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file) as number, low.get(to) as number));
      } else if (stack.includes(to))
        low.set(file, Math.min(low.get(file) as number, index.get(to) as number));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || next.get(file)?.includes(file)) found.push(component.sort());
  };
  for (const file of next.keys()) if (!index.has(file)) visit(file);
  return found;
}

function sourceFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (NOT_SOURCE.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/**
 * Every import, re-export and dynamic import of a file, resolved to a project path where relative.
 * Parsed by swc, the TypeScript parser the worker bundles workflows with: TypeScript 7's compiler
 * is a native binary, and its JavaScript API (typescript/unstable/*) parses whole projects only.
 */
function importsOf(file: string): Edge[] {
  const source = parseSync(readFileSync(join(ROOT, file), 'utf8'), { syntax: 'typescript' });
  const edges: Edge[] = [];
  const add = (specifier: unknown) => {
    if (!isNode(specifier) || specifier.type !== 'StringLiteral') return;
    const text = (specifier as StringLiteral).value;
    const to = text.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(file), text)).replace(/\.js$/, '.ts')
      : text;
    edges.push({ from: file, to });
  };
  // Type-only imports count too: a lower folder that names a higher one's types depends on it.
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    if (isNode(value)) {
      const node = value as Node & Record<string, unknown>;
      if (['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration'].includes(node.type)) {
        add(node.source);
      } else if (node.type === 'CallExpression' && isNode(node.callee) && node.callee.type === 'Import') {
        add((node.arguments as { expression: unknown }[])[0]?.expression);
      } else if (node.type === 'TsImportType') {
        add(node.argument);
      }
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(source);
  return edges;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

describe('architecture: folders depend one way', () => {
  const files = sourceFiles();
  const edges = files.flatMap(importsOf);

  it('reads the imports of every source file', () => {
    expect(files).toEqual(
      expect.arrayContaining(['workflows/order-workflow.ts', 'api/app.ts', 'db/pool.ts']),
    );
    expect(edges).toContainEqual({ from: 'api/app.ts', to: 'db/postgres-ledger.ts' });
  });

  it('places every folder on a layer', () => {
    const unplaced = [...new Set(files.map(folderOf))].filter((folder) => layerOf(folder) === -1);
    expect(unplaced).toEqual([]);
  });

  it('has no import from a lower folder into a higher one, nor between the folders of one layer', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('has no import circle, also among the files of one folder', () => {
    expect(circles(edges)).toEqual([]);
  });

  it('uses only public entry points of the Temporal SDK', () => {
    const deep = edges.filter((e) => !SDK_INTERNALS_ALLOWED.includes(e.from) && SDK_INTERNALS.test(e.to));
    expect(deep.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('starts orders in one place, so that the API and the tests start them alike', () => {
    const starting = files.filter((file) =>
      /\.workflow\.(start|execute|signalWithStart)\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    // The benchmark starts its ceilings (bare workflows beside the order), and its orders through the API's code;
    // the supplier program starts the delivery of its events in one place too, and the credit lines theirs;
    // one test starts an order as the API did before its fingerprint was a digest (an older order).
    expect(starting).toEqual([
      'activities/program-workflows.ts',
      'api/credit-line-start.ts',
      'api/order-start.ts',
      'scripts/bench/ceilings.ts',
      'test/api/orders.test.ts',
    ]);
  });

  it('catches what it is there to catch', () => {
    expect(
      violations([
        { from: 'db/pool.ts', to: 'api/app.ts' },
        { from: 'worker/main.ts', to: 'api/app.ts' },
        { from: 'config/env.ts', to: 'db/pool.ts' },
        { from: 'workflows/order-workflow.ts', to: 'activities/index.ts' },
        { from: 'workflows/schemas/contract.ts', to: 'activities/notifier.ts' },
        { from: 'plugins/x.ts', to: 'api/app.ts' },
      ]),
    ).toHaveLength(6);
    expect(
      violations([
        { from: 'api/app.ts', to: 'db/pool.ts' },
        { from: 'scripts/start.ts', to: 'worker/main.ts' },
        { from: 'activities/index.ts', to: 'workflows/model/activities.ts' },
        { from: 'test/support/harness.ts', to: 'scripts/start.ts' },
        { from: 'workflows/handlers/claims.ts', to: 'workflows/model/lifecycle.ts' },
      ]),
    ).toEqual([]);
    expect(
      violations([
        { from: 'workflows/model/lifecycle.ts', to: 'workflows/handlers/order.ts' },
        { from: 'workflows/case-file/case-file.ts', to: 'workflows/stream/event-stream.ts' },
        { from: 'workflows/rules/quality.ts', to: 'workflows/order-workflow.ts' },
      ]),
    ).toHaveLength(3);
    expect(folderOf('workflows/elsewhere/x.ts')).toBe('workflows/elsewhere');
    expect(folderOf('workflows/credit-line/workflow.ts')).toBe('workflows/credit-line');
    expect(folderOf('workflows/credit-line/rules/interest.ts')).toBe('workflows/credit-line/rules');
    expect(
      violations([
        { from: 'workflows/credit-line/rules/interest.ts', to: 'workflows/credit-line/model/state.ts' },
        { from: 'workflows/handlers/order.ts', to: 'workflows/credit-line/handlers/credit-line.ts' },
        { from: 'workflows/credit-line/handlers/credit-line.ts', to: 'workflows/credit-line/workflow.ts' },
      ]),
    ).toHaveLength(3);
    expect(folderOf('api/routes/orders.ts')).toBe('api');
    expect(
      circles([
        { from: 'workflows/handlers/order.ts', to: 'workflows/handlers/extensions.ts' },
        { from: 'workflows/handlers/extensions.ts', to: 'workflows/handlers/order.ts' },
        { from: 'workflows/handlers/claims.ts', to: 'workflows/handlers/order.ts' },
      ]),
    ).toEqual([['workflows/handlers/extensions.ts', 'workflows/handlers/order.ts']]);
  });
});
