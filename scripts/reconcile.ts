import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/env.js';
import { LedgerBooks, type Reconciliation } from '../db/ledger-books.js';
import { createPool } from '../db/pool.js';

/**
 * `npm run reconcile -- --date YYYY-MM-DD [--json]`: recomputes the UTC day from the ledger's entries
 * as they are now and says whether its statement and the chain up to it still hold
 * (docs/ledger.md#reconcile). Exit status 0 when both hold, 1 when either does not or the day has
 * no statement, 2 for a wrong invocation. Reads only.
 */
const USAGE = 'usage: npm run reconcile -- --date YYYY-MM-DD [--json]';

function dateArgument(): { date: string; json: boolean } {
  try {
    const { values } = parseArgs({ options: { date: { type: 'string' }, json: { type: 'boolean' } } });
    const date = values.date ?? '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(date) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date))
      return { date, json: values.json ?? false };
  } catch {}
  console.error(USAGE);
  process.exit(2);
}

function describe(r: Reconciliation): string[] {
  if (!r.closed) return [`${r.date}: no statement: the day is not closed yet (or its statement is gone)`];
  const lines = [
    `${r.date}: the statement ${r.statementHolds ? 'holds' : 'does NOT hold'}; the chain ${r.chainHolds ? 'holds' : 'does NOT hold'}`,
    `  stated hash     ${r.storedHash}`,
    `  recomputed hash ${r.recomputedHash}`,
  ];
  for (const e of r.entries) {
    const where = e.transactionId ? ` (transaction ${e.transactionId}, account ${e.account})` : '';
    const what = {
      changed: 'changed since the statement',
      missing: 'is no longer in the day',
      added: 'was not in the statement',
    }[e.problem];
    lines.push(`  entry ${e.entryId}${where} ${what}`);
  }
  for (const a of r.accounts)
    lines.push(`  account ${a.account}: ${a.field} stated ${a.stated}, recomputed ${a.now}`);
  for (const b of r.chain) lines.push(`  chain: ${b}`);
  return lines;
}

const { date, json } = dateArgument();
const config = loadConfigOrExit();
const pool = createPool(config.DATABASE_URL, 2);
try {
  const report = await new LedgerBooks(pool).reconcile(date);
  console.log(json ? JSON.stringify(report, null, 2) : describe(report).join('\n'));
  process.exitCode = report.closed && report.statementHolds && report.chainHolds ? 0 : 1;
} finally {
  await pool.end();
}
