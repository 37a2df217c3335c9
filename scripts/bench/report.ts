import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Actions, SHAPE_MINIMUM } from './actions.js';
import type { CreditFigures } from './credit.js';
import type { ProgramFigures } from './program.js';
import type { ReconciliationFigures } from './reconciliation.js';
import type { SandboxFigures } from './sandbox.js';
import { type Distribution, round } from './stats.js';
import { STORM_PHASES, type StormPhase } from './storm-phases.js';
import type { WhatIfFigures } from './whatif.js';

/** A history's size and events, and the Temporal Cloud actions it counts (actions.ts). */
type HistoryFigures = {
  bytes: number;
  events: number;
  actions?: Actions;
  bytesByKind?: Record<string, number>;
};
type Memory = { workerMiB?: number; apiMiB?: number; temporalServerMiB?: number };
type ReadCase = Distribution & { failures: string[] };

export interface BenchReport {
  generatedAt: string;
  durationSeconds: number;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  ledger?: { baselinePerSecond: number; movementRatio: number; retryRatio: number };
  lifecycle?: {
    ceilingPerSecond: number;
    httpPerSecond: number;
    directPerSecond: number;
    httpRatio: number;
    directRatio: number;
    reps: { ceiling: number; http: number; direct: number }[];
    refusals: { rateLimited: number; unavailable: number };
    history: Record<string, HistoryFigures>;
    /** Median over repetitions of CPU milliseconds per order (per shape for the ceiling), by process. */
    cpuMsPerOrder?: Record<'ceiling' | 'http' | 'direct', Record<string, number>>;
  };
  api?: {
    ceilingUpdate: Distribution;
    http: Record<string, Distribution>;
    direct: Record<string, Distribution>;
    httpEvents: Distribution;
    directEvents: Distribution;
  };
  sandbox?: SandboxFigures;
  reads?: { open?: ReadCase; closed?: ReadCase; closedNoWorker?: ReadCase };
  storm?: {
    ceilingPerSecond: number;
    ordersPerSecond: number;
    ratio: number;
    ceilingLateness: Distribution;
    ordersLateness: Distribution;
    /** Median milliseconds of each phase from the fired timer to the closed workflow. */
    phases?: Record<'ceiling' | 'orders', Record<StormPhase, number>>;
    reps: { ceiling: number; orders: number; refunded: number; notFundedInTime: number }[];
    /** One order refunded at its shipment deadline. */
    lateRefund?: HistoryFigures;
  };
  memory: { idle: Memory; bareTimers?: Memory & { count: number }; openOrders?: Record<string, Memory> };
  program?: ProgramFigures;
  reconciliation?: ReconciliationFigures;
  whatif?: WhatIfFigures;
  credit?: CreditFigures;
  /** Requests received, events stored, stored events never received by the end of the run. */
  webhooks?: { received: number; outOfOrder: number; orders: number; stored?: number; missing?: number };
}

const START = '<!-- bench:table:start -->';
const END = '<!-- bench:table:end -->';

/** latest.json, the generated table inside docs/bench/README.md (the text around it is kept), latency.svg. */
export async function writeReport(dir: string, report: BenchReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'latency.svg'), latencySvg(report));
  const readmePath = join(dir, 'README.md');
  const table = `${START}\n${markdownTable(report)}\n${END}`;
  const existing = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const readme =
    existing.includes(START) && existing.includes(END)
      ? existing.slice(0, existing.indexOf(START)) +
        table +
        existing.slice(existing.indexOf(END) + END.length)
      : `# Benchmark\n\n${table}\n`;
  await writeFile(readmePath, readme);
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : `${Math.round(n)} ms`);
const x = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);
const mib = (n: number | undefined) => (n === undefined ? '–' : `${Math.round(n)} MiB`);

export function markdownTable(r: BenchReport): string {
  const rows: string[][] = [];
  const add = (...cells: string[]) => rows.push(cells);
  if (r.lifecycle) {
    const l = r.lifecycle;
    add(
      'lifecycle over HTTP (happy + dispute/split)',
      `${l.httpPerSecond} orders/s`,
      `${l.ceilingPerSecond} shapes/s`,
      x(l.httpRatio),
      '≥ 0.70×',
    );
    add(
      'lifecycle, Temporal client direct',
      `${l.directPerSecond} orders/s`,
      `${l.ceilingPerSecond} shapes/s`,
      x(l.directRatio),
      '',
    );
    add(
      'history per order (happy / dispute)',
      `${kb(l.history.happy?.bytes)} / ${kb(l.history.dispute?.bytes)} (${l.history.happy?.events} / ${l.history.dispute?.events} events)`,
      `${kb(l.history.ceilingHappy?.bytes)} / ${kb(l.history.ceilingDispute?.bytes)} (${l.history.ceilingHappy?.events} / ${l.history.ceilingDispute?.events} events)`,
      x((l.history.happy?.bytes ?? 0) / (l.history.ceilingHappy?.bytes ?? 1)),
      '≤ 1.5×',
    );
    const largest = (kinds: Record<string, number> | undefined) =>
      Object.entries(kinds ?? {})
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([kind, bytes]) => `${kind} ${kb(bytes)}`)
        .join(', ');
    if (l.history.happy?.bytesByKind)
      add(
        '  history bytes by event, happy (largest four)',
        largest(l.history.happy.bytesByKind),
        largest(l.history.ceilingHappy?.bytesByKind),
        '',
        '',
      );
    const happy = l.history.happy?.actions?.total;
    const dispute = l.history.dispute?.actions?.total;
    const late = r.storm?.lateRefund;
    if (happy !== undefined) {
      const { happy: minHappy, dispute: minDispute, lateRefund: minLate } = SHAPE_MINIMUM;
      add(
        'Temporal Cloud actions per order (happy / dispute / late refund)',
        `${happy} / ${dispute ?? '–'} / ${late?.actions?.total ?? '–'}`,
        `${minHappy} / ${minDispute} / ${minLate} (the shape's minimum)`,
        `${x(happy / minHappy)} / ${dispute === undefined ? '–' : x(dispute / minDispute)} / ${late?.actions ? x(late.actions.total / minLate) : '–'}`,
        '≤ 1.3×',
      );
      if (late)
        add('history per order, late refund', `${kb(late.bytes)} (${late.events} events)`, '', '', '');
    }
    const cpu = l.cpuMsPerOrder;
    if (cpu && Object.keys(cpu.http).length > 0) {
      const total = (t: Record<string, number>) => Object.values(t).reduce((n, v) => n + v, 0);
      const parts = (t: Record<string, number>) =>
        Object.entries(t)
          .map(([name, v]) => `${name} ${v}`)
          .join(', ');
      add(
        'CPU per order over HTTP, ms (by process)',
        `${total(cpu.http)}: ${parts(cpu.http)}`,
        `${total(cpu.ceiling)}: ${parts(cpu.ceiling)}`,
        x(total(cpu.http) / total(cpu.ceiling)),
        '',
      );
      add(
        'CPU per order, Temporal client direct, ms',
        `${total(cpu.direct)}: ${parts(cpu.direct)}`,
        '',
        x(total(cpu.direct) / total(cpu.ceiling)),
        '',
      );
    }
    add(
      'refused and retried (429 / 503)',
      `${l.refusals.rateLimited} / ${l.refusals.unavailable}`,
      '',
      '',
      '0 / 0',
    );
  }
  if (r.sandbox) {
    const { order, ceiling, replays, oncePerProcessMs } = r.sandbox;
    add(
      `new workflow in the sandbox: CPU of a replay, ms (${replays} each)`,
      `${order.cpuMs} happy order`,
      `${ceiling.cpuMs} shape`,
      x(order.cpuMs / ceiling.cpuMs),
      '',
    );
    add(
      '  of which evaluating modules per workflow, ms (zod schemas)',
      `${order.moduleEvaluationMs} (${order.schemaModulesMs})`,
      `${ceiling.moduleEvaluationMs} (${ceiling.schemaModulesMs})`,
      '',
      '',
    );
    add('  preloaded modules, once per worker, ms', `${oncePerProcessMs}`, '', '', '');
  }
  if (r.api) {
    const a = r.api;
    add(
      'event routes, all (p50 / p99)',
      `${ms(a.httpEvents.p50)} / ${ms(a.httpEvents.p99)} (n=${a.httpEvents.samples})`,
      `${ms(a.directEvents.p50)} / ${ms(a.directEvents.p99)} direct`,
      `${x(a.httpEvents.p50 / a.directEvents.p50)} / ${x(a.httpEvents.p99 / a.directEvents.p99)}`,
      'p99 ≤ 1.25×',
    );
    for (const [route, h] of Object.entries(a.http)) {
      const d = a.direct[route];
      add(
        `  POST ${route === 'create' ? '/orders' : `…/${route}`} (p50 / p99)`,
        `${ms(h.p50)} / ${ms(h.p99)} (n=${h.samples})`,
        `${ms(d?.p50)} / ${ms(d?.p99)}`,
        `${x(h.p50 / (d?.p50 ?? Number.NaN))} / ${x(h.p99 / (d?.p99 ?? Number.NaN))}`,
        '',
      );
    }
    add(
      'bare Update of the ceiling (p50 / p99)',
      `${ms(a.ceilingUpdate.p50)} / ${ms(a.ceilingUpdate.p99)}`,
      '',
      '',
      '',
    );
  }
  if (r.reads) {
    const { open, closed, closedNoWorker } = r.reads;
    if (open)
      add(
        'GET open order (p50 / p99)',
        `${ms(open.p50)} / ${ms(open.p99)} (n=${open.samples})`,
        '',
        '1.00×',
        '',
      );
    for (const [name, c] of [
      ['GET closed order', closed],
      ['GET closed order, no worker', closedNoWorker],
    ] as const) {
      if (!c) continue;
      add(
        `${name} (p50 / p99)`,
        `${ms(c.p50)} / ${ms(c.p99)} (n=${c.samples}${c.failures.length ? `; failed: ${c.failures.join(', ')}` : ''})`,
        open ? `${ms(open.p50)} / ${ms(open.p99)} open` : '',
        open ? `${x(c.p50 / open.p50)} / ${x(c.p99 / open.p99)}` : '',
        '≤ 2×',
      );
    }
  }
  if (r.storm) {
    const s = r.storm;
    add(
      'timer storm: refunds drained',
      `${s.ordersPerSecond} orders/s`,
      `${s.ceilingPerSecond} timers/s`,
      x(s.ratio),
      '≥ 0.70×',
    );
    add(
      'timer storm lateness (p50 / p99)',
      `${ms(s.ordersLateness.p50)} / ${ms(s.ordersLateness.p99)} (n=${s.ordersLateness.samples})`,
      `${ms(s.ceilingLateness.p50)} / ${ms(s.ceilingLateness.p99)}`,
      `${x(s.ordersLateness.p50 / s.ceilingLateness.p50)} / ${x(s.ordersLateness.p99 / s.ceilingLateness.p99)}`,
      '',
    );
    if (s.phases) {
      const { orders, ceiling } = s.phases;
      for (const phase of STORM_PHASES) {
        add(
          `  storm, ${phase} (p50)`,
          ms(orders[phase]),
          ms(ceiling[phase]),
          x(orders[phase] / ceiling[phase]),
          '',
        );
      }
    }
  }
  if (r.program) {
    const p = r.program;
    add(
      `GET supplier profile, ${p.suppliers} suppliers, ${p.closedOrders} closed orders (p50 / p99)`,
      `${ms(p.profileGet.p50)} / ${ms(p.profileGet.p99)} (n=${p.profileGet.samples}${p.failures.length ? `; failed: ${p.failures.join(', ')}` : ''})`,
      `${ms(p.openOrderGet.p50)} / ${ms(p.openOrderGet.p99)} open order`,
      `${x(p.profileGet.p50 / p.openOrderGet.p50)} / ${x(p.profileP99Ratio)}`,
      'p99 ≤ 1×',
    );
    add(
      `assessment of every supplier (${p.assessment.assessed})`,
      `${p.assessment.suppliersPerSecond} suppliers/s (${p.assessment.seconds} s)`,
      '',
      '',
      `≥ ${round(p.assessment.assessed / 86_400, 2)}/s: all in a day`,
    );
  }
  if (r.reconciliation) {
    const c = r.reconciliation;
    add(
      `ledger export of a day, ${c.entries} entries (JSON / CSV)`,
      `${c.exportJson.entriesPerSecond} / ${c.exportCsv.entriesPerSecond} entries/s`,
      '',
      '',
      '',
    );
    add(
      `statement close of that day / reconcile`,
      `${c.close.entriesPerSecond} / ${c.reconcile.entriesPerSecond} entries/s (${c.close.seconds} s / ${c.reconcile.seconds} s${c.reconcile.holds ? '' : '; did NOT hold'})`,
      '',
      '',
      '',
    );
  }
  if (r.credit) {
    const c = r.credit;
    add(
      `credit line: application → decision, ${c.applications} at once (p50 / p99)`,
      `${ms(c.decision.p50)} / ${ms(c.decision.p99)} (${c.approved} approved, ${c.declined} declined${c.late.length ? `; late: ${c.late.length}` : ''})`,
      `${ms(c.apply.p50)} / ${ms(c.apply.p99)} POST`,
      '',
      'p99 ≤ 60 s',
    );
  }
  const memoryRow = (label: string, m: Memory) =>
    add(
      label,
      `worker ${mib(m.workerMiB)}, API ${mib(m.apiMiB)}`,
      `Temporal dev server ${mib(m.temporalServerMiB)}`,
      '',
      '',
    );
  memoryRow('RSS idle (at start)', r.memory.idle);
  if (r.memory.bareTimers)
    memoryRow(`RSS with ${r.memory.bareTimers.count} bare timer workflows (ceiling)`, r.memory.bareTimers);
  for (const [count, m] of Object.entries(r.memory.openOrders ?? {})) {
    if (count !== '0') memoryRow(`RSS with ${count} open orders`, m);
  }
  if (r.webhooks) {
    add(
      'webhooks received (out of order); events stored, never received',
      `${r.webhooks.received} for ${r.webhooks.orders} orders (${r.webhooks.outOfOrder}); ${r.webhooks.stored ?? '–'}, ${r.webhooks.missing ?? '–'}`,
      '',
      '',
      'every event, 0 out of order',
    );
  }
  if (r.ledger) {
    add(
      'ledger movement vs bare INSERT',
      '',
      `${r.ledger.baselinePerSecond} INSERT/s`,
      x(r.ledger.movementRatio),
      '',
    );
    add('ledger idempotent retry vs bare INSERT', '', '', x(r.ledger.retryRatio), '');
  }
  if (r.whatif) {
    add(
      `what-if: closed orders read and decided again (${r.whatif.closedOrders})`,
      `${r.whatif.ordersPerSecond} orders/s`,
      `${r.whatif.decidedPerSecond}/s deciding alone`,
      x(round(r.whatif.ordersPerSecond / r.whatif.decidedPerSecond, 2)),
      '',
    );
  }
  const header = ['case', 'measured', 'ceiling', 'ratio', 'target'];
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const settings = r.settings as Record<string, unknown>;
  return [
    `Run ${r.generatedAt}, ${r.durationSeconds} s; ${r.machine.cpus} × ${r.machine.cpuModel}, load average at start ${(r.machine.loadAverageAtStart as number[]).join(' ')}; ` +
      `Node ${r.versions.node}, Temporal SDK ${r.versions.temporalSdk}, ${r.versions.temporalCli}; ` +
      `orders ${settings.orders}/path, concurrency ${settings.concurrency}, storm ${settings.storm}, memory ${settings.memory}, reads ${settings.reads}, reps ${settings.reps}` +
      `${settings.quick ? ' (--quick)' : ''}; worker env ${JSON.stringify(settings.workerEnv)}, worker node flags \`${settings.workerNodeFlags ?? ''}\`; load average at the end ${(r.machine.loadAverageAtEnd as number[] | undefined)?.join(' ') ?? '–'}.`,
    '',
    ...lines,
  ].join('\n');
}

const kb = (bytes: number | undefined) => (bytes === undefined ? '–' : `${(bytes / 1024).toFixed(1)} KiB`);

/** One row per latency series on a log scale: whiskers p1–p99, box p25–p75, a bar at p50. */
export function latencySvg(r: BenchReport): string {
  const series: { label: string; d: Distribution; colour: string }[] = [];
  if (r.api) {
    series.push({ label: 'ceiling: bare Update', d: r.api.ceilingUpdate, colour: '#888' });
    for (const [route, d] of Object.entries(r.api.direct))
      series.push({ label: `direct: ${route}`, d, colour: '#2a7' });
    for (const [route, d] of Object.entries(r.api.http))
      series.push({ label: `HTTP: ${route}`, d, colour: '#27c' });
  }
  if (r.reads?.open) series.push({ label: 'GET open', d: r.reads.open, colour: '#c72' });
  if (r.reads?.closed) series.push({ label: 'GET closed', d: r.reads.closed, colour: '#c72' });
  if (r.reads?.closedNoWorker)
    series.push({ label: 'GET closed, no worker', d: r.reads.closedNoWorker, colour: '#c72' });
  if (r.storm) {
    series.push({ label: 'storm lateness: bare timers', d: r.storm.ceilingLateness, colour: '#888' });
    series.push({ label: 'storm lateness: orders', d: r.storm.ordersLateness, colour: '#a3a' });
  }
  const usable = series.filter((s) => s.d.samples > 0);
  const left = 200;
  const width = 760;
  const rowHeight = 22;
  const top = 40;
  const height = top + usable.length * rowHeight + 40;
  const values = usable.flatMap((s) => [s.d.p1, s.d.p99]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...values, 1))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const px = (v: number) =>
    left +
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (width - left - 20);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">Latency distributions (ms, log scale): whiskers p1–p99, box p25–p75, bar p50</text>`,
  ];
  for (let decade = lo; decade <= hi; decade *= 10) {
    const xPos = px(decade).toFixed(1);
    out.push(`<line x1="${xPos}" y1="${top - 6}" x2="${xPos}" y2="${height - 30}" stroke="#ddd"/>`);
    out.push(
      `<text x="${xPos}" y="${height - 16}" text-anchor="middle">${decade >= 1000 ? `${decade / 1000} s` : `${decade} ms`}</text>`,
    );
  }
  usable.forEach((s, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const { p1, p25, p50, p75, p99 } = s.d;
    out.push(
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end">${escapeXml(s.label)} (n=${s.d.samples})</text>`,
    );
    out.push(
      `<line x1="${px(p1).toFixed(1)}" y1="${y}" x2="${px(p99).toFixed(1)}" y2="${y}" stroke="${s.colour}"/>`,
    );
    out.push(
      `<rect x="${px(p25).toFixed(1)}" y="${y - 6}" width="${Math.max(1, px(p75) - px(p25)).toFixed(1)}" height="12" fill="${s.colour}" fill-opacity="0.35" stroke="${s.colour}"/>`,
    );
    out.push(
      `<line x1="${px(p50).toFixed(1)}" y1="${y - 8}" x2="${px(p50).toFixed(1)}" y2="${y + 8}" stroke="black" stroke-width="2"/>`,
    );
    out.push(
      `<text x="${(px(p99) + 4).toFixed(1)}" y="${y + 4}" fill="#555">${Math.round(p50)} / ${Math.round(p99)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
