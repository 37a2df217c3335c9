import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface Settings {
  orders: number;
  concurrency: number;
  storm: number;
  memory: number;
  reads: number;
  reps: number;
  ledgerOps: number;
  suppliers: number;
  closedOrders: number;
  statementOrders: number;
  whatifOrders: number;
  /** Applications the credit section sends at once. */
  creditLines: number;
  /** New workflows the sandbox section replays per case. */
  replays: number;
  quick: boolean;
}

export interface Options {
  settings: Settings;
  sections: ReadonlySet<string>;
  outDir: string;
}

/** The command line of `npm run bench`; `--help` prints it and ends the process. */
export function parseOptions(root: string): Options {
  const { values: args } = parseArgs({
    options: {
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      storm: { type: 'string' },
      memory: { type: 'string' },
      reads: { type: 'string' },
      reps: { type: 'string' },
      'ledger-ops': { type: 'string' },
      suppliers: { type: 'string' },
      'closed-orders': { type: 'string' },
      'statement-orders': { type: 'string' },
      'whatif-orders': { type: 'string' },
      'credit-lines': { type: 'string' },
      replays: { type: 'string' },
      sections: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (args.help) {
    console.log(`npm run bench -- [options]
  --orders N       orders per lifecycle path (happy, dispute) and repetition (default 40)
  --concurrency C  orders in flight at once (default 10)
  --storm K        orders whose shipBy falls in the same second (default 100)
  --memory M       open orders waiting on timers for the memory figure (default 400; the
                   documented long run is --sections memory --memory 10000)
  --reads R        GETs per read case (default 1000)
  --reps R         repetitions of each ratio; the median is reported (default 3)
  --ledger-ops N   transactions per ledger case (default 1000)
  --suppliers S    suppliers the program section generates and assesses (default 100000)
  --closed-orders N  closed orders it generates into the read model (default 1000000)
  --statement-orders N  orders of the generated day the reconciliation section exports and
                   closes, four entries each (default 25000)
  --whatif-orders N  closed orders the whatif section generates and decides again (default 100000)
  --sections LIST  comma-separated subset of ledger,lifecycle,sandbox,reads,storm,memory,program,reconciliation,whatif,credit
                   (sandbox needs lifecycle: it replays that section's orders)
  --credit-lines N applications the credit section sends at once (default 50)
  --replays N      new workflows the sandbox section replays per case (default 300)
  --out DIR        where the report goes (default docs/bench)
  --quick          small sizes for iterating (not a report to commit)
TEMPORAL_ADDRESS / DATABASE_URL use existing servers instead of starting a dev server and PostgreSQL.`);
    process.exit(0);
  }
  const quick = Boolean(args.quick);
  const opt = (name: keyof typeof args, normal: number, small: number) =>
    args[name] === undefined ? (quick ? small : normal) : Number(args[name]);
  return {
    settings: {
      orders: opt('orders', 40, 8),
      concurrency: opt('concurrency', 10, 8),
      storm: opt('storm', 100, 30),
      memory: opt('memory', 400, 60),
      reads: opt('reads', 1000, 200),
      reps: opt('reps', 3, 1),
      ledgerOps: opt('ledger-ops', 1000, 200),
      suppliers: opt('suppliers', 100_000, 2_000),
      closedOrders: opt('closed-orders', 1_000_000, 20_000),
      statementOrders: opt('statement-orders', 25_000, 2_000),
      whatifOrders: opt('whatif-orders', 100_000, 5_000),
      creditLines: opt('credit-lines', 50, 10),
      replays: opt('replays', 300, 50),
      quick,
    },
    sections: new Set(
      (args.sections ?? 'ledger,lifecycle,sandbox,reads,storm,memory,program,reconciliation,whatif,credit')
        .split(',')
        .map((s) => s.trim()),
    ),
    outDir: args.out ?? join(root, 'docs', 'bench'),
  };
}
