import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../../config/env.js';
import { programSettings } from '../../config/program.js';
import { readClosedOrders } from '../../db/closed-orders.js';
import { createPool } from '../../db/pool.js';
import { windowStart } from '../../workflows/rules/program.js';
import { DEFAULT_DEV_POSTGRES_PORT, devDatabaseUrl } from '../dev-postgres.js';
import { WhatIf } from './redecide.js';
import { whatIfHtml } from './report-html.js';
import { RulesSchema, thresholdsUnder } from './rules.js';

/**
 * `npm run whatif -- --rules FILE [--since DATE] [--out DIR]` (docs/whatif.md): every closed order
 * since DATE decided again with the rules of FILE by the functions the workflow runs. It reads the
 * engine's records in a read-only transaction and changes nothing. Exit 2 on bad usage.
 */
const usage = 'usage: npm run whatif -- --rules FILE [--since DATE] [--out DIR]';
function fail(message: string): never {
  console.error(`[whatif] ${message}\n${usage}`);
  process.exit(2);
}

const options = { rules: { type: 'string' }, since: { type: 'string' }, out: { type: 'string' } } as const;
let args: { rules?: string; since?: string; out?: string } = {};
try {
  args = parseArgs({ options, allowPositionals: false }).values;
} catch (err) {
  fail((err as Error).message);
}
if (!args.rules) fail('--rules is required');
let raw: unknown;
try {
  raw = JSON.parse(readFileSync(args.rules, 'utf8'));
} catch (err) {
  fail(`${args.rules}: ${(err as Error).message}`);
}
const parsed = RulesSchema.safeParse(raw);
if (!parsed.success) {
  fail(
    `${args.rules} is not a rules file:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n')}`,
  );
}
const rules = parsed.data;
const since = args.since === undefined ? undefined : new Date(args.since);
if (since && Number.isNaN(since.getTime())) fail(`--since ${args.since} is not a date (e.g. 2026-10-01)`);
const out = resolve(args.out ?? '.');

const env = {
  ...process.env,
  DATABASE_URL:
    process.env.DATABASE_URL ?? devDatabaseUrl(Number(process.env.PGPORT ?? DEFAULT_DEV_POSTGRES_PORT)),
};
const config = loadConfigOrExit(env);
const settings = programSettings(config);
const pool = createPool(config.DATABASE_URL, 1);
const now = new Date();
// The assessment's window ends now, as an assessment run now would see it.
const whatIf = new WhatIf(
  rules,
  Math.max(since?.getTime() ?? 0, windowStart(now, settings.window).getTime()),
);
const started = Date.now();
let done = 0;
let reported = Date.now();
try {
  const { total, enrolled } = await readClosedOrders(pool, { since }, (orders, total) => {
    for (const order of orders) whatIf.add(order);
    done += orders.length;
    if (Date.now() - reported >= 1000 || done === total) {
      reported = Date.now();
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      process.stderr.write(`[whatif] ${done} / ${total} closed orders (${rate}/s)\n`);
    }
  });
  const summary = whatIf.summary(settings.thresholds, thresholdsUnder(settings.thresholds, rules), enrolled);
  const seconds = (Date.now() - started) / 1000;
  const meta = { since: since?.toISOString(), at: now.toISOString() };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'whatif.json'), `${JSON.stringify({ rules, ...meta, ...summary }, null, 2)}\n`);
  writeFileSync(join(out, 'whatif.html'), whatIfHtml(summary, rules, meta));
  console.log(
    `[whatif] ${total} closed orders${since ? ` since ${since.toISOString()}` : ''} in ${seconds.toFixed(1)} s: ` +
      `${summary.redecided} decided again, ${summary.changed.length} would change, ${summary.human.orders} rested on a person`,
  );
  for (const [currency, m] of Object.entries(summary.money)) {
    console.log(
      `  ${currency}: buyer ${m.before.buyer} → ${m.after.buyer}, supplier ${m.before.supplier} → ${m.after.supplier}, fees ${m.before.fees} → ${m.after.fees}`,
    );
  }
  for (const c of summary.changed.slice(0, 20)) {
    console.log(
      `  ${c.orderId}: ${c.before.outcome}/${c.before.reason} refund ${c.before.refund} release ${c.before.release} fee ${c.before.fee}` +
        ` → ${c.after.outcome}/${c.after.reason} refund ${c.after.refund} release ${c.after.release} fee ${c.after.fee}`,
    );
  }
  if (summary.changed.length > 20) console.log(`  … ${summary.changed.length - 20} more in whatif.json`);
  for (const s of summary.suppliers) console.log(`  supplier ${s.supplierId}: ${s.before} → ${s.after}`);
  console.log(`[whatif] wrote ${join(out, 'whatif.json')} and ${join(out, 'whatif.html')}`);
} catch (err) {
  // The database unreachable, or not the engine's: say so, without a stack trace.
  console.error(
    `[whatif] cannot read the engine's records at ${config.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}: ${(err as Error).message}`,
  );
  process.exitCode = 1;
} finally {
  await pool.end();
}
