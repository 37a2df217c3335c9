import type pg from 'pg';
import type { BuyerRecord } from '../workflows/credit-line/rules/scorecard.js';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The buyer's trading record (docs/credit.md#the-buyers-record), read from the orders' stored
 * events: each order the buyer created in the 365 days before `asOf`, as its latest event shows it.
 * Claims count those the buyer filed (source `buyer`); one ended against the buyer when it was
 * withdrawn, or the arbitrator released the order. A deposit was due when the order was funded or
 * cancelled unfunded; on time when funded by the `fundBy` in force.
 */
export async function buyerRecord(pool: pg.Pool, buyerId: string, asOf: Date): Promise<BuyerRecord> {
  const result = await pool.query(
    `WITH orders AS (
       SELECT c.order_id FROM order_events c
        WHERE c.type = 'order.created' AND c.payload #>> '{contract,buyer,id}' = $1
          AND c.occurred_at > $2 AND c.occurred_at <= $3
     ), latest AS (
       SELECT DISTINCT ON (e.order_id) e.payload AS s
         FROM order_events e JOIN orders o USING (order_id)
        WHERE e.occurred_at <= $3
        ORDER BY e.order_id, e.sequence DESC
     ), claims AS (
       SELECT s, c AS claim FROM latest,
         jsonb_array_elements(COALESCE(s #> '{dispute,earlierClaims}', '[]'::jsonb) ||
           CASE WHEN s #> '{dispute,claim}' IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(s #> '{dispute,claim}') END) AS c
        WHERE c ->> 'source' = 'buyer'
     )
     SELECT
       (SELECT count(*) FROM latest)::int AS orders,
       (SELECT COALESCE(json_agg(v ORDER BY v.currency), '[]') FROM (
          SELECT s #>> '{contract,currency}' AS currency, sum((s #>> '{contract,amount}')::bigint)::bigint AS amount
            FROM latest GROUP BY 1) v) AS value,
       (SELECT count(*) FROM claims)::int AS claims_filed,
       (SELECT count(*) FROM claims WHERE claim ->> 'status' = 'withdrawn'
           OR (claim ->> 'status' = 'decided' AND s ->> 'outcome' = 'released'))::int AS claims_rejected,
       (SELECT count(*) FROM latest WHERE s ->> 'fundedAt' IS NOT NULL OR s ->> 'reason' = 'unfunded')::int AS funding_due,
       (SELECT count(*) FROM latest WHERE (s ->> 'fundedAt')::timestamptz <= (s #>> '{deadlines,fundBy}')::timestamptz)::int AS funded_on_time`,
    [buyerId, new Date(asOf.getTime() - YEAR_MS), asOf],
  );
  const row = result.rows[0];
  return {
    orders: row.orders,
    value: (row.value as { currency: string; amount: string | number }[]).map((v) => ({
      currency: v.currency,
      amount: Number(v.amount),
    })),
    claimsFiled: row.claims_filed,
    claimsRejected: row.claims_rejected,
    fundingDue: row.funding_due,
    fundedOnTime: row.funded_on_time,
  };
}
