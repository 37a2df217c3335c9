import type pg from 'pg';
import {
  type SupplierEvent,
  type SupplierEventType,
  type SupplierProgramSnapshot,
  type SupplierSummary,
  supplierEventId,
} from '../workflows/model/program.js';
import {
  ANY_CURRENCY,
  addTerms,
  assessedStatus,
  type Limits,
  limitChanges,
  limitIn,
  limitsFor,
  PROTECTED_STATUSES,
  type ProgramSettings,
  type Responsiveness,
  rate,
  responsiveness,
  type SupplierStatus,
  type Terms,
  type WindowTerms,
  windowStart,
} from '../workflows/rules/program.js';
import { parseDuration } from '../workflows/schemas/duration.js';
import { insertSupplierEvents } from './order-event-store.js';
import { inTransaction } from './pool.js';

/** What the marketplace says of a supplier (`PUT /v1/suppliers/:supplierId`). */
export interface SupplierInput {
  name: string;
  country: string;
  enrolled: boolean;
}

export interface LimitLine {
  currency: string;
  limit: number;
  exposure: number;
  available: number;
}

/** The program's figures of a supplier, current to the moment they are read. */
export interface SupplierMetrics {
  /** What the next assessment judges: the closed orders of the assessment window. */
  assessmentWindow: {
    window: string;
    closedOrders: number;
    onTimeShipmentRate: number | null;
    disputeRate: number | null;
    refundRatio: number | null;
  };
  last12Months: Last12Months;
  responsiveness: Responsiveness;
}

export interface Last12Months {
  transactions: number;
  value: { currency: string; amount: number }[];
  onTimeShipmentRate: number | null;
  disputeRate: number | null;
}

export interface SupplierRecord extends SupplierSummary {
  limits: LimitLine[];
  metrics: SupplierMetrics;
}

export interface SupplierProfile {
  supplierId: string;
  name: string;
  country: string;
  status: SupplierStatus;
  protected: boolean;
  memberSince: string | null;
  last12Months: Last12Months;
  responsiveness: Responsiveness;
}

export type Reservation =
  | { outcome: 'reserved'; snapshot: SupplierProgramSnapshot }
  /** The order has its reservation already: an identical re-create or a retry. */
  | { outcome: 'existing' }
  | {
      outcome: 'refused';
      supplierStatus: SupplierStatus;
      currency: string;
      limit: number;
      exposure: number;
      available: number;
    };

export interface Inquiry {
  inquiryId: string;
  receivedAt: string;
  respondedAt?: string;
}

export interface StoredInquiry extends Inquiry {
  supplierId: string;
  /** An answer after this is not in time. */
  windowEndsAt: string;
}

export class SupplierNotFoundError extends Error {
  override name = 'SupplierNotFoundError';
  constructor(readonly supplierId: string) {
    super(`there is no supplier ${supplierId}`);
  }
}

/** A request that contradicts what is recorded (HTTP 422). */
export class ProgramContradictionError extends Error {
  override name = 'ProgramContradictionError';
}

/** The record as stored, with its limits: what a change starts from. */
interface SupplierState extends SupplierSummary {
  lastSequence: number;
  limits: Limits;
}

const YEAR = 'P365D';
const NOT_ENROLLED_LIMITS: Limits = { [ANY_CURRENCY]: 0 };

const summary = (s: SupplierState): SupplierSummary => ({
  supplierId: s.supplierId,
  name: s.name,
  country: s.country,
  enrolled: s.enrolled,
  status: s.status,
  statusReasons: s.statusReasons,
  memberSince: s.memberSince,
  assessedAt: s.assessedAt,
});

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);

/** The events of one change, numbered after the supplier's last one. */
class EventDrafts {
  private readonly drafts: { type: SupplierEventType; data: Record<string, unknown> }[] = [];

  add(type: SupplierEventType, data: Record<string, unknown> = {}): void {
    this.drafts.push({ type, data });
  }

  /** Adds the events a move from `before` to `after` makes (status, then each limit). */
  addChanges(before: SupplierState, after: SupplierState): void {
    if (before.status !== after.status)
      this.add('supplier.status_changed', {
        from: before.status,
        to: after.status,
        reasons: after.statusReasons,
      });
    for (const change of limitChanges(before.limits, after.limits))
      this.add('supplier.limit_changed', change);
  }

  get length() {
    return this.drafts.length;
  }

  finish(after: SupplierState, occurredAt: string): SupplierEvent[] {
    const supplier = summary(after);
    const events = this.drafts.map((d, i) => ({
      id: supplierEventId(after.supplierId, after.lastSequence + i + 1),
      supplierId: after.supplierId,
      sequence: after.lastSequence + i + 1,
      type: d.type,
      occurredAt,
      data: { supplier, ...d.data } as SupplierEvent['data'],
    }));
    after.lastSequence += events.length;
    return events;
  }
}

/**
 * The supplier program in PostgreSQL (docs/program.md): the records, their limits and exposure,
 * assessments, inquiries, the protection check at order creation, and the figures of the profile
 * read from the read model (program-read-model.ts). Every change of a record stores its events
 * in the same transaction.
 */
export class SupplierProgram {
  constructor(
    private readonly pool: pg.Pool,
    readonly settings: ProgramSettings,
  ) {}

  private transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, run);
  }

  /**
   * Creates or updates a record. Enrolling assesses the supplier at once (its status and limits
   * follow from its record like at every assessment); leaving makes it `not_enrolled` with no
   * coverage for new orders, while the orders it has keep theirs. Answers whether the record is
   * new and how many events the change stored.
   */
  async put(
    supplierId: string,
    input: SupplierInput,
    now: Date,
  ): Promise<{ created: boolean; events: number }> {
    return this.transaction(async (client) => {
      const [existing] = await this.lockStates(client, { ids: [supplierId] });
      const before: SupplierState = existing ?? {
        supplierId,
        name: input.name,
        country: input.country,
        enrolled: false,
        status: 'not_enrolled',
        statusReasons: [],
        memberSince: null,
        assessedAt: null,
        lastSequence: 0,
        limits: NOT_ENROLLED_LIMITS,
      };
      const after: SupplierState = { ...before, name: input.name, country: input.country };
      const drafts = new EventDrafts();
      if (input.enrolled && !before.enrolled) {
        after.enrolled = true;
        after.memberSince ??= now.toISOString();
        drafts.add('supplier.enrolled');
        const [assessed] = await this.assessed(client, [after], now);
        Object.assign(after, assessed);
      } else if (!input.enrolled && before.enrolled) {
        Object.assign(after, {
          enrolled: false,
          status: 'not_enrolled',
          statusReasons: [],
          limits: NOT_ENROLLED_LIMITS,
        });
      } else if (!existing || before.name !== after.name || before.country !== after.country) {
        drafts.add('supplier.updated');
      }
      drafts.addChanges(before, after);
      if (!existing || drafts.length > 0) {
        const events = drafts.finish(after, now.toISOString());
        await this.save(client, [after], events, now);
        return { created: !existing, events: events.length };
      }
      return { created: false, events: 0 };
    });
  }

  /**
   * Assesses enrolled suppliers at `at`: the one named, or the page of `limit` after `after` in id
   * order, in one transaction that locks their rows (a create for one of them waits for it).
   * Status and limits change only here; each change is an event.
   */
  async assess(
    page: { ids: string[] } | { after?: string; limit: number },
    at: Date,
  ): Promise<{ assessed: number; changed: number; events: number; last?: string }> {
    return this.transaction(async (client) => {
      const states = (await this.lockStates(client, page)).filter((s) => s.enrolled);
      if (states.length === 0) return { assessed: 0, changed: 0, events: 0 };
      const assessed = await this.assessed(client, states, at);
      const events: SupplierEvent[] = [];
      let changed = 0;
      states.forEach((before, i) => {
        const after = assessed[i] as SupplierState;
        const drafts = new EventDrafts();
        drafts.addChanges(before, after);
        if (drafts.length > 0 || before.statusReasons.join() !== after.statusReasons.join()) changed++;
        events.push(...drafts.finish(after, at.toISOString()));
      });
      await this.save(client, assessed, events, at);
      return { assessed: states.length, changed, events: events.length, last: states.at(-1)?.supplierId };
    });
  }

  /** The states after an assessment at `at`, from the closed orders of the window. */
  private async assessed(client: pg.ClientBase, states: SupplierState[], at: Date): Promise<SupplierState[]> {
    const { settings } = this;
    const figures = await windowFigures(
      client,
      states.map((s) => s.supplierId),
      windowStart(at, settings.window),
      at,
    );
    return states.map((s) => {
      const f = figures.get(s.supplierId) ?? emptyWindowFigures();
      const { status, reasons } = assessedStatus(f.terms, settings.thresholds);
      return {
        ...s,
        status,
        statusReasons: reasons,
        assessedAt: at.toISOString(),
        limits: limitsFor(status, f.released, settings.limits),
      };
    });
  }

  /** The records of the given ids, or of a page in id order, locked until the transaction ends. */
  private async lockStates(
    client: pg.ClientBase,
    page: { ids: string[] } | { after?: string; limit: number },
  ): Promise<SupplierState[]> {
    const rows =
      'ids' in page
        ? await client.query(`${STATE_COLUMNS} WHERE supplier_id = ANY($1) ORDER BY supplier_id FOR UPDATE`, [
            page.ids,
          ])
        : await client.query(
            `${STATE_COLUMNS} WHERE enrolled AND supplier_id > $1 ORDER BY supplier_id LIMIT $2 FOR UPDATE`,
            [page.after ?? '', page.limit],
          );
    const ids = rows.rows.map((r) => r.supplier_id as string);
    const limits = await limitsOf(client, ids);
    return rows.rows.map((r) => ({
      supplierId: r.supplier_id,
      name: r.name,
      country: r.country,
      enrolled: r.enrolled,
      status: r.status,
      statusReasons: r.status_reasons,
      memberSince: iso(r.member_since),
      assessedAt: iso(r.assessed_at),
      lastSequence: r.last_sequence,
      limits: limits.get(r.supplier_id) ?? NOT_ENROLLED_LIMITS,
    }));
  }

  /** Writes the records, their limits and their events: the caller's transaction commits them. */
  private async save(client: pg.ClientBase, states: SupplierState[], events: SupplierEvent[], now: Date) {
    await client.query(
      `INSERT INTO suppliers (supplier_id, name, country, enrolled, status, status_reasons, member_since,
                              assessed_at, last_sequence, created_at, updated_at)
       SELECT u.id, u.name, u.country, u.enrolled, u.status,
              ARRAY(SELECT jsonb_array_elements_text(u.reasons)), u.member_since, u.assessed_at, u.seq, $10, $10
       FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::jsonb[],
                   $7::timestamptz[], $8::timestamptz[], $9::int[])
         AS u(id, name, country, enrolled, status, reasons, member_since, assessed_at, seq)
       ON CONFLICT (supplier_id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country,
         enrolled = EXCLUDED.enrolled, status = EXCLUDED.status, status_reasons = EXCLUDED.status_reasons,
         member_since = EXCLUDED.member_since, assessed_at = EXCLUDED.assessed_at,
         last_sequence = EXCLUDED.last_sequence, updated_at = EXCLUDED.updated_at`,
      [
        states.map((s) => s.supplierId),
        states.map((s) => s.name),
        states.map((s) => s.country),
        states.map((s) => s.enrolled),
        states.map((s) => s.status),
        states.map((s) => JSON.stringify(s.statusReasons)),
        states.map((s) => s.memberSince),
        states.map((s) => s.assessedAt),
        states.map((s) => s.lastSequence),
        now,
      ],
    );
    const limits = states.flatMap((s) =>
      Object.entries(s.limits).map(([currency, limit]) => [s.supplierId, currency, limit] as const),
    );
    await client.query('DELETE FROM supplier_limits WHERE supplier_id = ANY($1)', [
      states.map((s) => s.supplierId),
    ]);
    await client.query(
      `INSERT INTO supplier_limits (supplier_id, currency, limit_amount)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])`,
      [limits.map((l) => l[0]), limits.map((l) => l[1]), limits.map((l) => l[2])],
    );
    await insertSupplierEvents(client, events);
  }

  async record(supplierId: string, now: Date): Promise<SupplierRecord | undefined> {
    const [record] = await this.records({ ids: [supplierId] }, now);
    return record;
  }

  /**
   * Records by id, or a page of them in id order after `after` (of one status when given): with
   * limits, exposure and the figures current to `now`.
   */
  async records(
    page: { ids: string[] } | { after?: string; limit: number; status?: SupplierStatus },
    now: Date,
  ): Promise<SupplierRecord[]> {
    const rows =
      'ids' in page
        ? await this.pool.query(`${STATE_COLUMNS} WHERE supplier_id = ANY($1) ORDER BY supplier_id`, [
            page.ids,
          ])
        : await this.pool.query(
            `${STATE_COLUMNS} WHERE supplier_id > $1 AND ($3::text IS NULL OR status = $3)
             ORDER BY supplier_id LIMIT $2`,
            [page.after ?? '', page.limit, page.status ?? null],
          );
    if (rows.rows.length === 0) return [];
    const ids = rows.rows.map((r) => r.supplier_id as string);
    const { settings } = this;
    const [limits, exposure, window, year, moves] = await Promise.all([
      limitsOf(this.pool, ids),
      exposureOf(this.pool, ids),
      windowFigures(this.pool, ids, windowStart(now, settings.window), now),
      windowFigures(this.pool, ids, windowStart(now, YEAR), now),
      movesOf(this.pool, ids, windowStart(now, settings.responsivenessWindow)),
    ]);
    return rows.rows.map((r) => {
      const id = r.supplier_id as string;
      const w = window.get(id) ?? emptyWindowFigures();
      return {
        supplierId: id,
        name: r.name,
        country: r.country,
        enrolled: r.enrolled,
        status: r.status,
        statusReasons: r.status_reasons,
        memberSince: iso(r.member_since),
        assessedAt: iso(r.assessed_at),
        limits: limitLines(limits.get(id) ?? NOT_ENROLLED_LIMITS, exposure.get(id) ?? new Map()),
        metrics: {
          assessmentWindow: {
            window: settings.window,
            closedOrders: w.terms.closedOrders,
            onTimeShipmentRate: rate(w.terms.onTimeShipment),
            disputeRate: rate(w.terms.dispute),
            refundRatio: rate(w.terms.refund),
          },
          last12Months: last12Months(year.get(id) ?? emptyWindowFigures()),
          responsiveness: responsiveness(moves.get(id) ?? [], now),
        },
      };
    });
  }

  /** What storefronts show (docs/program.md#the-trust-profile), current to `now`. */
  async profile(supplierId: string, now: Date): Promise<SupplierProfile | undefined> {
    const found = await this.pool.query(
      'SELECT name, country, status, member_since FROM suppliers WHERE supplier_id = $1',
      [supplierId],
    );
    const row = found.rows[0];
    if (!row) return undefined;
    const [year, moves] = await Promise.all([
      windowFigures(this.pool, [supplierId], windowStart(now, YEAR), now),
      movesOf(this.pool, [supplierId], windowStart(now, this.settings.responsivenessWindow)),
    ]);
    return {
      supplierId,
      name: row.name,
      country: row.country,
      status: row.status,
      protected: PROTECTED_STATUSES.includes(row.status),
      memberSince: iso(row.member_since),
      last12Months: last12Months(year.get(supplierId) ?? emptyWindowFigures()),
      responsiveness: responsiveness(moves.get(supplierId) ?? [], now),
    };
  }

  /**
   * Records a buyer's inquiry, or adds its answer: `receivedAt` is fixed by the first call, and an
   * answer once recorded does not change. Answers whether it was new.
   */
  async recordInquiry(
    supplierId: string,
    inquiry: Inquiry,
    now: Date,
  ): Promise<{ created: boolean; inquiry: StoredInquiry }> {
    const received = Date.parse(inquiry.receivedAt);
    const responded = inquiry.respondedAt === undefined ? undefined : Date.parse(inquiry.respondedAt);
    if (received > now.getTime()) throw new ProgramContradictionError('receivedAt must not be in the future');
    if (responded !== undefined && responded > now.getTime())
      throw new ProgramContradictionError('respondedAt must not be in the future');
    if (responded !== undefined && responded < received)
      throw new ProgramContradictionError('respondedAt must not be before receivedAt');
    return this.transaction(async (client) => {
      const supplier = await client.query('SELECT 1 FROM suppliers WHERE supplier_id = $1 FOR SHARE', [
        supplierId,
      ]);
      if (supplier.rowCount === 0) throw new SupplierNotFoundError(supplierId);
      const found = await client.query(
        `SELECT received_at, responded_at, window_ends_at FROM supplier_inquiries
         WHERE supplier_id = $1 AND inquiry_id = $2 FOR UPDATE`,
        [supplierId, inquiry.inquiryId],
      );
      const stored = found.rows[0];
      if (!stored) {
        const windowEndsAt = new Date(received + (parseDuration(this.settings.inquiryWindow) ?? 0));
        await client.query(
          `INSERT INTO supplier_inquiries (supplier_id, inquiry_id, received_at, window_ends_at, responded_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [
            supplierId,
            inquiry.inquiryId,
            new Date(received),
            windowEndsAt,
            responded === undefined ? null : new Date(responded),
          ],
        );
        return {
          created: true,
          inquiry: toInquiry(supplierId, inquiry.inquiryId, new Date(received), responded, windowEndsAt),
        };
      }
      const storedReceived = (stored.received_at as Date).getTime();
      const storedResponded = (stored.responded_at as Date | null)?.getTime();
      if (storedReceived !== received) {
        throw new ProgramContradictionError(
          `inquiry ${inquiry.inquiryId} was received at ${new Date(storedReceived).toISOString()}; receivedAt cannot change`,
        );
      }
      if (storedResponded !== undefined && responded !== undefined && storedResponded !== responded) {
        throw new ProgramContradictionError(
          `inquiry ${inquiry.inquiryId} was answered at ${new Date(storedResponded).toISOString()}; respondedAt cannot change`,
        );
      }
      if (storedResponded === undefined && responded !== undefined) {
        await client.query(
          'UPDATE supplier_inquiries SET responded_at = $3 WHERE supplier_id = $1 AND inquiry_id = $2',
          [supplierId, inquiry.inquiryId, new Date(responded)],
        );
      }
      return {
        created: false,
        inquiry: toInquiry(
          supplierId,
          inquiry.inquiryId,
          new Date(received),
          storedResponded ?? responded,
          stored.window_ends_at as Date,
        ),
      };
    });
  }

  /**
   * The protection check of a new order, and its reservation, in one round trip (the function
   * `program_reserve` of the migration). With the reservation comes the supplier's program snapshot
   * for the order's case file.
   */
  async reserve(order: ProtectedOrder, now: Date): Promise<Reservation> {
    return toReservation((await this.pool.query(RESERVE, reserveParams(order, now))).rows[0], order, now);
  }

  /**
   * What `reserve` would answer now, reserving nothing: the same function in a transaction that is
   * rolled back (`POST /v1/contracts/check`). It holds the supplier's row lock for that moment
   * only, as a create does.
   */
  async probe(order: ProtectedOrder, now: Date): Promise<Reservation> {
    return this.transactionRolledBack(async (client) =>
      toReservation((await client.query(RESERVE, reserveParams(order, now))).rows[0], order, now),
    );
  }

  private async transactionRolledBack<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      return await run(client);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  /** Gives back the reservation of a create that did not start its order. */
  async giveBack(orderId: string): Promise<void> {
    await this.pool.query('DELETE FROM supplier_exposure WHERE order_id = $1 AND released_at IS NULL', [
      orderId,
    ]);
  }

  /**
   * Reservations older than `before` whose order has stored no event: creates whose start was
   * never confirmed. The caller asks Temporal whether their workflow exists before giving one back.
   */
  async unconfirmedReservations(before: Date, limit: number): Promise<string[]> {
    const result = await this.pool.query(
      `SELECT x.order_id FROM supplier_exposure x
       WHERE x.released_at IS NULL AND x.reserved_at < $1
         AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = x.order_id)
       ORDER BY x.reserved_at LIMIT $2`,
      [before, limit],
    );
    return result.rows.map((r) => r.order_id as string);
  }
}

/** What the program needs of a new order to protect it. */
export interface ProtectedOrder {
  orderId: string;
  supplierId: string;
  currency: string;
  amount: number;
}

const RESERVE = `SELECT r.outcome, r.supplier_status, r.limit_amount, r.exposure,
    CASE WHEN r.outcome = 'reserved' THEN (
      SELECT json_build_object('transactions', COALESCE(SUM(t.n), 0),
        'value', COALESCE(json_agg(json_build_object('currency', t.currency, 'amount', t.value)), '[]'))
      FROM (SELECT currency, COUNT(*) AS n, SUM(released) AS value FROM supplier_orders
            WHERE supplier_id = $2 AND transaction AND closed_at >= $5 AND closed_at <= $6
            GROUP BY currency ORDER BY currency) t) END AS year
  FROM program_reserve($1, $2, $3, $4) r`;

const reserveParams = (order: ProtectedOrder, now: Date) => [
  order.orderId,
  order.supplierId,
  order.currency,
  order.amount,
  windowStart(now, YEAR),
  now,
];

function toReservation(row: Record<string, unknown>, order: ProtectedOrder, now: Date): Reservation {
  if (row.outcome === 'existing') return { outcome: 'existing' };
  if (row.outcome === 'refused') {
    const limit = row.limit_amount as number;
    const exposure = row.exposure as number;
    return {
      outcome: 'refused',
      supplierStatus: row.supplier_status as SupplierStatus,
      currency: order.currency,
      limit,
      exposure,
      available: Math.max(0, limit - exposure),
    };
  }
  const year = row.year as { transactions: number; value: { currency: string; amount: number }[] };
  return {
    outcome: 'reserved',
    snapshot: {
      status: row.supplier_status as SupplierStatus,
      asOf: now.toISOString(),
      last12Months: { transactions: Number(year.transactions), value: year.value },
    },
  };
}

const STATE_COLUMNS = `SELECT supplier_id, name, country, enrolled, status, status_reasons, member_since,
  assessed_at, last_sequence FROM suppliers`;

function toInquiry(
  supplierId: string,
  inquiryId: string,
  received: Date,
  responded: number | undefined,
  windowEndsAt: Date,
): StoredInquiry {
  return {
    supplierId,
    inquiryId,
    receivedAt: received.toISOString(),
    ...(responded === undefined ? {} : { respondedAt: new Date(responded).toISOString() }),
    windowEndsAt: windowEndsAt.toISOString(),
  };
}

async function limitsOf(db: pg.ClientBase | pg.Pool, ids: string[]): Promise<Map<string, Limits>> {
  const result = await db.query(
    'SELECT supplier_id, currency, limit_amount FROM supplier_limits WHERE supplier_id = ANY($1)',
    [ids],
  );
  const byId = new Map<string, Limits>();
  for (const r of result.rows) {
    const limits = byId.get(r.supplier_id) ?? {};
    limits[r.currency] = r.limit_amount;
    byId.set(r.supplier_id, limits);
  }
  return byId;
}

async function exposureOf(db: pg.Pool, ids: string[]): Promise<Map<string, Map<string, number>>> {
  const result = await db.query(
    `SELECT supplier_id, currency, SUM(amount)::bigint AS exposure FROM supplier_exposure
     WHERE supplier_id = ANY($1) AND released_at IS NULL GROUP BY supplier_id, currency`,
    [ids],
  );
  const byId = new Map<string, Map<string, number>>();
  for (const r of result.rows) {
    const exposure = byId.get(r.supplier_id) ?? new Map<string, number>();
    exposure.set(r.currency, r.exposure);
    byId.set(r.supplier_id, exposure);
  }
  return byId;
}

/** Every currency with a limit of its own or with exposure, then `*` for the others. */
function limitLines(limits: Limits, exposure: Map<string, number>): LimitLine[] {
  const currencies = [...new Set([...Object.keys(limits), ...exposure.keys()])]
    .filter((c) => c !== ANY_CURRENCY)
    .sort();
  const line = (currency: string): LimitLine => {
    const limit = limitIn(limits, currency);
    const used = exposure.get(currency) ?? 0;
    return { currency, limit, exposure: used, available: Math.max(0, limit - used) };
  };
  return [...currencies.map(line), line(ANY_CURRENCY)];
}

interface WindowFigures {
  terms: WindowTerms;
  released: Record<string, number>;
  transactions: number;
  value: Record<string, number>;
}

const emptyWindowFigures = (): WindowFigures => ({
  terms: {
    closedOrders: 0,
    onTimeShipment: { numerator: 0, denominator: 0 },
    dispute: { numerator: 0, denominator: 0 },
    refund: { numerator: 0, denominator: 0 },
  },
  released: {},
  transactions: 0,
  value: {},
});

/** The sums of the orders the suppliers closed in [from, to], from the read model's index. */
async function windowFigures(
  db: pg.ClientBase | pg.Pool,
  ids: string[],
  from: Date,
  to: Date,
): Promise<Map<string, WindowFigures>> {
  const result = await db.query(
    `SELECT supplier_id, currency, COUNT(*)::int AS closed,
       SUM(on_time_num)::bigint AS on_time_num, SUM(on_time_den)::bigint AS on_time_den,
       SUM(dispute_num)::bigint AS dispute_num, SUM(dispute_den)::bigint AS dispute_den,
       SUM(refund_num)::bigint AS refund_num, SUM(refund_den)::bigint AS refund_den,
       SUM(released)::bigint AS released,
       COUNT(*) FILTER (WHERE transaction)::int AS transactions,
       COALESCE(SUM(released) FILTER (WHERE transaction), 0)::bigint AS value
     FROM supplier_orders
     WHERE supplier_id = ANY($1) AND closed_at >= $2 AND closed_at <= $3
     GROUP BY supplier_id, currency`,
    [ids, from, to],
  );
  const byId = new Map<string, WindowFigures>();
  const add = (a: Terms, numerator: number, denominator: number): Terms =>
    addTerms([a, { numerator, denominator }]);
  for (const r of result.rows) {
    const f = byId.get(r.supplier_id) ?? emptyWindowFigures();
    f.terms = {
      closedOrders: f.terms.closedOrders + r.closed,
      onTimeShipment: add(f.terms.onTimeShipment, r.on_time_num, r.on_time_den),
      dispute: add(f.terms.dispute, r.dispute_num, r.dispute_den),
      refund: add(f.terms.refund, r.refund_num, r.refund_den),
    };
    if (r.released > 0) f.released[r.currency] = r.released;
    f.transactions += r.transactions;
    if (r.value > 0) f.value[r.currency] = r.value;
    byId.set(r.supplier_id, f);
  }
  return byId;
}

function last12Months(f: WindowFigures): Last12Months {
  return {
    transactions: f.transactions,
    value: Object.entries(f.value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, amount]) => ({ currency, amount })),
    onTimeShipmentRate: rate(f.terms.onTimeShipment),
    disputeRate: rate(f.terms.dispute),
  };
}

type MoveRow = { receivedAt: string; windowEndsAt: string; respondedAt?: string };

/** The moves on orders and the inquiries received since `from`, per supplier. */
async function movesOf(db: pg.Pool, ids: string[], from: Date): Promise<Map<string, MoveRow[]>> {
  const result = await db.query(
    `SELECT supplier_id, received_at, window_ends_at, responded_at FROM supplier_moves
     WHERE supplier_id = ANY($1) AND received_at >= $2
     UNION ALL
     SELECT supplier_id, received_at, window_ends_at, responded_at FROM supplier_inquiries
     WHERE supplier_id = ANY($1) AND received_at >= $2`,
    [ids, from],
  );
  const byId = new Map<string, MoveRow[]>();
  for (const r of result.rows) {
    const list = byId.get(r.supplier_id) ?? [];
    list.push({
      receivedAt: (r.received_at as Date).toISOString(),
      windowEndsAt: (r.window_ends_at as Date).toISOString(),
      ...(r.responded_at ? { respondedAt: (r.responded_at as Date).toISOString() } : {}),
    });
    byId.set(r.supplier_id, list);
  }
  return byId;
}
