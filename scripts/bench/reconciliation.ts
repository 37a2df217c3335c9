import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { generateApiKey, parseApiKeys } from '../../config/api-keys.js';
import { LedgerBooks } from '../../db/ledger-books.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { generateLedgerDay } from './ledger-data.js';
import type { Settings } from './options.js';
import type { Progress } from './progress.js';
import { round } from './stats.js';

export interface ReconciliationFigures {
  orders: number;
  entries: number;
  generatedSeconds: number;
  /** The whole day through `GET /v1/ledger/transactions`, 1000 transactions a page. */
  exportJson: { seconds: number; entriesPerSecond: number };
  exportCsv: { seconds: number; entriesPerSecond: number; bytes: number };
  /** The statement's activity: hash, digests and figures of the day, in one transaction. */
  close: { seconds: number; entriesPerSecond: number };
  reconcile: { seconds: number; entriesPerSecond: number; holds: boolean };
}

/**
 * Reconciliation over a generated day (ledger-data.ts) in a database of its own, so that closing
 * the day touches nothing of the other sections': the export read whole over HTTP as JSON and as
 * CSV, the day's close as the Schedule's activity makes it, and `npm run reconcile`'s recomputation.
 */
export async function reconciliationSection(o: {
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  settings: Settings;
  progress: Progress;
}): Promise<ReconciliationFigures> {
  const orders = o.settings.statementOrders;
  const name = `bench_ledger_${randomUUID().replaceAll('-', '')}`;
  const admin = createPool(o.databaseUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(o.databaseUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 4);
  const key = generateApiKey();
  const app = await buildApp({
    temporal: o.client,
    pool,
    taskQueue: o.taskQueue,
    apiKeys: parseApiKeys(`reader:${key}`),
    rateLimitPerMinute: 1_000_000,
  });
  try {
    await migrate(pool);
    const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    o.progress(`reconciliation: a day of ${orders} orders (${orders * 4} entries), generated in SQL`);
    const generating = Date.now();
    await generateLedgerDay(pool, { date, prefix: 'bench-', orders });
    const generatedSeconds = round((Date.now() - generating) / 1000);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });

    const exportDay = async (accept: string) => {
      const started = Date.now();
      let after = '0';
      let bytes = 0;
      let entries = 0;
      for (;;) {
        const response = await fetch(`${base}/v1/ledger/transactions?after=${after}&limit=1000`, {
          headers: { authorization: `Bearer ${key}`, accept },
        });
        if (!response.ok) throw new Error(`export: ${response.status} ${await response.text()}`);
        const body = await response.text();
        bytes += Buffer.byteLength(body);
        const next = /after=(\d+)/.exec(response.headers.get('link') ?? '')?.[1] ?? after;
        if (next === after) break;
        entries +=
          accept === 'text/csv'
            ? body.split('\r\n').length - 2
            : (JSON.parse(body) as { transactions: { entries: unknown[] }[] }).transactions.reduce(
                (n, t) => n + t.entries.length,
                0,
              );
        after = next;
      }
      const seconds = (Date.now() - started) / 1000;
      return { seconds: round(seconds), entriesPerSecond: round(entries / seconds), bytes, entries };
    };
    const json = await exportDay('application/json');
    const csv = await exportDay('text/csv');
    o.progress(`  export: JSON ${json.entriesPerSecond} entries/s, CSV ${csv.entriesPerSecond} entries/s`);

    const books = new LedgerBooks(pool);
    const closing = Date.now();
    const statement = await books.closeNextDay();
    const closeSeconds = (Date.now() - closing) / 1000;
    if (statement?.date !== date) throw new Error(`closed ${statement?.date}, not ${date}`);
    const reconciling = Date.now();
    const report = await books.reconcile(date);
    const reconcileSeconds = (Date.now() - reconciling) / 1000;
    o.progress(
      `  close ${round(closeSeconds)} s, reconcile ${round(reconcileSeconds)} s for ${statement.entries} entries`,
    );
    return {
      orders,
      entries: statement.entries,
      generatedSeconds,
      exportJson: { seconds: json.seconds, entriesPerSecond: json.entriesPerSecond },
      exportCsv: { seconds: csv.seconds, entriesPerSecond: csv.entriesPerSecond, bytes: csv.bytes },
      close: { seconds: round(closeSeconds), entriesPerSecond: round(statement.entries / closeSeconds) },
      reconcile: {
        seconds: round(reconcileSeconds),
        entriesPerSecond: round(statement.entries / reconcileSeconds),
        holds: report.statementHolds && report.chainHolds,
      },
    };
  } finally {
    await app.close();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
