import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startLedgerStatement } from '../../activities/program-workflows.js';
import { generateLedgerDay } from '../../scripts/bench/ledger-data.js';
import { ensureStatementSchedule } from '../../worker/statement-schedule.js';
import { STATEMENT_WORKFLOW_TYPE } from '../../workflows/model/ledger.js';
import { eventually } from '../support/api-client.js';
import { historyToJSON } from '../support/histories.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';

/*
 * The daily statement on a database of its own: it closes every day of its ledger. The days are
 * generated in the past (the engine writes only today), three and two days ago; yesterday has no
 * entry and is closed too.
 */
let p: ProgramUnderTest;
let databaseUrl = '';
withProgram((ready) => {
  p = ready;
  databaseUrl = ready.h.pool.options.connectionString ?? '';
});

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const [first, second, yesterday] = [daysAgo(3), daysAgo(2), daysAgo(1)];

/** What an auditor does with docs/ledger.md#the-chain and the JSON export of the day. */
async function auditorsHash(date: string, previousHash: string): Promise<string> {
  const from = `${date}T00:00:00.000Z`;
  const to = new Date(Date.parse(from) + 86_400_000).toISOString();
  const hash = createHash('sha256').update(`ledger-statement/1\n${date}\n${previousHash}\n`);
  let after = '0';
  for (;;) {
    const page = await p.api.call(
      'GET',
      `/v1/ledger/transactions?from=${from}&to=${to}&after=${after}&limit=3`,
      {
        as: 'reader',
      },
    );
    if (page.body.transactions.length === 0) return hash.digest('hex');
    for (const t of page.body.transactions)
      for (const e of t.entries)
        hash.update(
          `${JSON.stringify([t.transactionId, t.createdAt, t.kind, t.orderId, e.account, e.amount, t.currency, t.idempotencyKey, t.reference, t.method])}\n`,
        );
    after = page.body.cursor;
  }
}

async function reconcile(date: string) {
  try {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'reconcile', '--', '--date', date],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl },
      },
    );
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

/** A change made behind the engine's back: with the database's triggers off, as only its owner can. */
async function tamper(sql: string, params: unknown[]) {
  const client = await p.h.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(sql, params);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('the ledger statement', () => {
  it('closes every day that is over, oldest first, each chained to the one before, continuing as new', async () => {
    await generateLedgerDay(p.h.pool, { date: first, prefix: `d1-${randomUUID().slice(0, 6)}-`, orders: 3 });
    await generateLedgerDay(p.h.pool, { date: second, prefix: `d2-${randomUUID().slice(0, 6)}-`, orders: 2 });
    const handle = await startLedgerStatement(p.h.client, p.h.taskQueue, `ledger-statement-${randomUUID()}`, {
      daysPerRun: 2,
    });
    const result = await handle.result();
    expect(result).toMatchObject({ closed: 3, last: { date: yesterday, transactions: 0, entries: 0 } });
    const firstRun = p.h.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');

    const statement = async (date: string) => {
      const r = await p.api.call('GET', `/v1/ledger/statements/${date}`, { as: 'reader' });
      expect(r.status).toBe(200);
      return r.body;
    };
    const [one, two, three] = [await statement(first), await statement(second), await statement(yesterday)];
    expect(one).toMatchObject({ date: first, previousHash: '0'.repeat(64), transactions: 6, entries: 12 });
    expect(two).toMatchObject({ date: second, previousHash: one.hash, transactions: 4, entries: 8 });
    expect(three).toMatchObject({
      previousHash: two.hash,
      transactions: 0,
      entries: 0,
      hash: result.last?.hash,
    });
    // Per account: what moved in the day and what it holds at its end.
    const buyerOf = (s: typeof one, prefix: string) =>
      s.accounts.filter((a: { account: string }) => a.account.startsWith(`buyer:${prefix}`));
    expect(buyerOf(one, 'd1-')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ currency: 'USD', closingBalance: -100_000, entries: 1, sum: -100_000 }),
      ]),
    );
    expect(buyerOf(three, 'd1-').map((a: { entries: number }) => a.entries)).toEqual([0, 0, 0]);
    expect(buyerOf(three, 'd2-').map((a: { closingBalance: number }) => a.closingBalance)).toEqual([
      -100_000, -100_000,
    ]);
    expect(one.accounts.reduce((s: number, a: { closingBalance: number }) => s + a.closingBalance, 0)).toBe(
      0,
    );
    const page = await p.api.call('GET', `/v1/ledger/statements/${first}?limit=2`, { as: 'reader' });
    const next = await p.api.call(
      'GET',
      `/v1/ledger/statements/${first}?limit=2&cursor=${page.body.nextCursor}`,
      {
        as: 'reader',
      },
    );
    expect([...page.body.accounts, ...next.body.accounts]).toEqual(one.accounts.slice(0, 4));
    const wrongDay = await p.api.call(
      'GET',
      `/v1/ledger/statements/${second}?cursor=${page.body.nextCursor}`,
      {
        as: 'reader',
      },
    );
    expect(wrongDay.status).toBe(400);

    // The documented canonical form, recomputed from the export alone.
    expect(await auditorsHash(first, one.previousHash)).toBe(one.hash);
    expect(await auditorsHash(second, two.previousHash)).toBe(two.hash);

    if (process.env.RECORD_HISTORIES === '1') {
      const folder = new URL('../fixtures/histories/ledger/', import.meta.url);
      await mkdir(folder, { recursive: true });
      for (const [name, recorded] of [
        ['ledger-statement', firstRun],
        ['ledger-statement+continued', handle],
      ] as const)
        await writeFile(new URL(`${name}.json`, folder), `${historyToJSON(await recorded.fetchHistory())}\n`);
    }
  });

  it('is a Schedule created idempotently, whose run finds nothing left to close', async () => {
    const scheduleId = `ledger-statement-test-${randomUUID()}`;
    expect(await ensureStatementSchedule(p.h.client, { taskQueue: p.h.taskQueue, scheduleId })).toBe(
      'created',
    );
    expect(await ensureStatementSchedule(p.h.client, { taskQueue: p.h.taskQueue, scheduleId })).toBe(
      'updated',
    );
    const schedule = p.h.client.schedule.getHandle(scheduleId);
    try {
      const described = await schedule.describe();
      expect(described.action).toMatchObject({
        workflowType: STATEMENT_WORKFLOW_TYPE,
        taskQueue: p.h.taskQueue,
      });
      await schedule.trigger();
      const started = await eventually(
        () => schedule.describe(),
        (d) => d.info.recentActions.length > 0,
      );
      const run = started.info.recentActions[0]?.action.workflow.workflowId as string;
      expect(await p.h.client.workflow.getHandle(run).result()).toEqual({ closed: 0 });
    } finally {
      await schedule.delete();
    }
  });

  it('npm run reconcile says whether a day and the chain hold, and names an entry altered behind its back', async () => {
    const holds = await reconcile(second);
    expect(holds.code).toBe(0);
    expect(holds.stdout).toContain(`${second}: the statement holds; the chain holds`);

    const day = await p.api.call(
      'GET',
      `/v1/ledger/transactions?from=${second}T00:00:00Z&to=${yesterday}T00:00:00Z&limit=1000`,
      { as: 'reader' },
    );
    const altered = day.body.transactions[1];
    const entry = altered.entries[0];
    await tamper('UPDATE ledger_entries SET amount = amount + 1 WHERE id = $1', [entry.entryId]);

    const broken = await reconcile(second);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`${second}: the statement does NOT hold; the chain holds`);
    expect(broken.stdout).toContain(
      `entry ${entry.entryId} (transaction ${altered.transactionId}, account ${entry.account}) changed since the statement`,
    );
    expect(broken.stdout).toContain(
      `account ${entry.account}: sum stated ${entry.amount}, recomputed ${entry.amount + 1}`,
    );
    // The other days' entries are as they were; yesterday's closing balance is not.
    expect((await reconcile(first)).code).toBe(0);
    const after = await reconcile(yesterday);
    expect(after.stdout).toContain(`account ${entry.account}: closingBalance stated`);

    await tamper('UPDATE ledger_statements SET hash = $2 WHERE day = $1', [first, 'f'.repeat(64)]);
    const chain = await reconcile(second);
    expect(chain.stdout).toContain('the chain does NOT hold');
    expect(chain.stdout).toContain(`the statement of ${second} carries`);
    expect((await reconcile('2020-01-01')).code).toBe(1);
    expect((await reconcile('2026-02-30')).code).toBe(2);
  });
});
