import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../../config/api-keys.js';
import type { LedgerBooks } from '../../db/ledger-books.js';
import type { PostgresLedger } from '../../db/postgres-ledger.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { csvHeader, csvRows } from '../ledger-csv.js';
import { HttpProblem } from '../problem.js';
import {
  BalancesQuerySchema,
  BalancesSchema,
  LedgerCsvSchema,
  LedgerExportQuerySchema,
  LedgerExportSchema,
  LedgerSchema,
  LedgerStatementSchema,
  StatementParamsSchema,
  StatementQuerySchema,
  toLedgerEntryResponse,
} from '../schemas/ledger.js';
import { OrderParamsSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';
import { withTimeout } from '../upstream-errors.js';

export interface LedgerRouteOptions {
  orders: TemporalOrders;
  ledger: PostgresLedger;
  books: LedgerBooks;
  timeoutMs: number;
}

const badQuery = (field: string, message: string) =>
  new HttpProblem('invalid-request', `query.${field}: ${message}`, {
    errors: [{ path: `query.${field}`, message }],
  });

/** CSV when the client asks for it before (or without) JSON; JSON otherwise. */
function wantsCsv(accept: string | undefined): boolean {
  const types = (accept ?? '')
    .split(',')
    .map((part) => part.split(';'))
    .filter(([, ...params]) => !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p)))
    .map(([type]) => type?.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}

/** A page cursor that pins its first page's instant: `asOf` and the last key read. */
const pinnedCursor = (asOf: string, last: string, scope: string) =>
  encodeCursor(Buffer.from(JSON.stringify([asOf, last])), scope);
/** The digest catches a mangled cursor, not a made-up one: what it holds is checked like input. */
function readPinnedCursor(cursor: string, scope: string): [string, string] {
  const token = decodeCursor(cursor, scope);
  let parsed: unknown;
  try {
    parsed = token && JSON.parse(token.toString('utf8'));
  } catch {}
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !parsed.every((v) => typeof v === 'string') ||
    Number.isNaN(Date.parse(String(parsed[0])))
  )
    throw badQuery('cursor', 'is not a nextCursor of this list');
  return parsed as [string, string];
}

/**
 * The PostgreSQL ledger, the payments system of record (docs/spec.md#money): an order's movements,
 * and for accounting the whole ledger in commit order, balances and daily statements (docs/ledger.md).
 */
export const ledgerRoutes: FastifyPluginAsyncZod<LedgerRouteOptions> = async (
  app,
  { orders, ledger, books, timeoutMs },
) => {
  const pg = <T>(promise: Promise<T>) => withTimeout(promise, timeoutMs, 'postgres');

  app.get(
    '/orders/:orderId/ledger',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['orders'],
        operationId: 'getOrderLedger',
        summary: "The order's ledger entries, oldest first",
        params: OrderParamsSchema,
        response: {
          200: json('The ledger entries', LedgerSchema),
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      // An order that never received money has no entries; one that does not exist is a 404.
      await orders.assertExists(orderId);
      const entries = await withTimeout(ledger.entries(orderId), timeoutMs, 'postgres');
      return { orderId, entries: entries.map(toLedgerEntryResponse) };
    },
  );

  app.get(
    '/ledger/transactions',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['ledger'],
        operationId: 'exportLedger',
        summary: 'Every ledger transaction with its entries, in commit order',
        description:
          "Start with no `after`, then pass each answer's `cursor` as `after`: a page holds the transactions " +
          'committed after the last one read, without a gap or a repeat, also while others commit. `from` and ' +
          '`to` keep those created in `[from, to)`. `Accept: text/csv` answers one CSV row per entry ' +
          '(docs/ledger.md#csv-columns), the next page\'s address in `Link: <…>; rel="next"`.',
        querystring: LedgerExportQuerySchema,
        response: {
          200: {
            description: 'A page of transactions',
            content: {
              'application/json': { schema: LedgerExportSchema },
              'text/csv': { schema: LedgerCsvSchema },
            },
          },
          ...problems(400, 401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { from, to, after, limit } = request.query;
      if (from !== undefined && to !== undefined && Date.parse(to) <= Date.parse(from))
        throw badQuery('to', 'must be after from');
      const page = await pg(
        books.transactions({
          after: Number(after),
          limit,
          from: from === undefined ? undefined : new Date(from),
          to: to === undefined ? undefined : new Date(to),
        }),
      );
      const cursor = String(page.at(-1)?.position ?? after);
      const next = new URLSearchParams({
        ...(from && { from }),
        ...(to && { to }),
        after: cursor,
        limit: String(limit),
      });
      reply.header('link', `</v1/ledger/transactions?${next}>; rel="next"`);
      if (wantsCsv(request.headers.accept)) {
        return reply
          .type('text/csv; charset=utf-8; header=present')
          .header('vary', 'Accept')
          .send(csvHeader() + csvRows(page));
      }
      return reply.header('vary', 'Accept').send({ transactions: page, cursor });
    },
  );

  app.get(
    '/ledger/balances',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['ledger'],
        operationId: 'getLedgerBalances',
        summary: "Every account's balance at an instant",
        description:
          "The sum of each account's entries created at or before `asOf` (now when absent), in account order. " +
          "The next pages, by `nextCursor`, keep the first page's `asOf`.",
        querystring: BalancesQuerySchema,
        response: {
          200: json('A page of balances', BalancesSchema),
          ...problems(400, 401, 403, 429, 503),
        },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      let asOf = request.query.asOf === undefined ? undefined : new Date(request.query.asOf).toISOString();
      let after: string | undefined;
      if (cursor !== undefined) {
        const [pinned, last] = readPinnedCursor(cursor, 'balances');
        if (asOf !== undefined && asOf !== pinned) throw badQuery('asOf', `is not the cursor's (${pinned})`);
        [asOf, after] = [pinned, last];
      }
      asOf ??= new Date().toISOString();
      const page = await pg(books.balances({ asOf: new Date(asOf), after, limit: limit + 1 }));
      const balances = page.slice(0, limit);
      const last = balances.at(-1);
      return {
        asOf,
        balances,
        nextCursor: page.length > limit && last ? pinnedCursor(asOf, last.account, 'balances') : null,
      };
    },
  );

  app.get(
    '/ledger/statements/:date',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['ledger'],
        operationId: 'getLedgerStatement',
        summary: "A UTC day's statement",
        description:
          'Written by the Schedule `ledger-statement` once the day is over: per account the closing balance and ' +
          "the day's count and sum of entries, and the SHA-256 of the day's entries chained to the day before's " +
          '(docs/ledger.md#the-chain). Accounts in pages of `limit` (1–1000, 1000), by `nextCursor`.',
        params: StatementParamsSchema,
        querystring: StatementQuerySchema,
        response: {
          200: json('The statement', LedgerStatementSchema),
          ...problems(400, 401, 403, [404, 'The day has no statement (yet)'], 429, 503),
        },
      },
    },
    async (request) => {
      const { date } = request.params;
      const { cursor, limit } = request.query;
      let after: string | undefined;
      if (cursor !== undefined) {
        const [day, last] = readPinnedCursor(cursor, 'statement');
        if (day !== date) throw badQuery('cursor', `is a cursor of the statement of ${day}`);
        after = last;
      }
      const statement = await pg(books.statement(date));
      if (!statement) {
        throw new HttpProblem(
          'statement-not-found',
          `there is no statement of ${date}: a day is closed after it is over, by the Schedule ledger-statement`,
        );
      }
      const page = await pg(books.statementAccounts(date, { after, limit: limit + 1 }));
      const accounts = page.slice(0, limit);
      const last = accounts.at(-1);
      return {
        ...statement,
        accounts,
        nextCursor: page.length > limit && last ? pinnedCursor(date, last.account, 'statement') : null,
      };
    },
  );
};
