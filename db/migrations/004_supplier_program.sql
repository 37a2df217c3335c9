-- The supplier program (docs/program.md): who is protected, for how much, and what buyers see.

CREATE TABLE suppliers (
  supplier_id text PRIMARY KEY,
  name text NOT NULL,
  country char(2) NOT NULL,
  enrolled boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('not_enrolled', 'provisional', 'qualified', 'suspended')),
  status_reasons text[] NOT NULL DEFAULT '{}',
  member_since timestamptz,
  assessed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The sequence of the supplier's last feed event: its next one is last_sequence + 1.
  last_sequence integer NOT NULL DEFAULT 0,
  CONSTRAINT enrolled_or_not_enrolled CHECK (enrolled = (status <> 'not_enrolled'))
);
-- The assessment walks the enrolled suppliers in id order; the list filters by status.
CREATE INDEX suppliers_enrolled_idx ON suppliers (supplier_id) WHERE enrolled;
CREATE INDEX suppliers_status_idx ON suppliers (status, supplier_id);

-- Limits as the last assessment (or enrolment) set them; `*` is every currency not named.
CREATE TABLE supplier_limits (
  supplier_id text NOT NULL REFERENCES suppliers (supplier_id),
  currency text NOT NULL CHECK (currency ~ '^([A-Z]{3}|\*)$'),
  limit_amount bigint NOT NULL CHECK (limit_amount >= 0),
  PRIMARY KEY (supplier_id, currency)
);

-- One reservation per order: its amount counts in the supplier's exposure from its creation until
-- its closing event is stored (db/order-event-store.ts). The row stays once released, so that an
-- identical re-create finds it and reserves nothing. No reference to suppliers: orders created
-- before the program count for suppliers it has not met yet.
CREATE TABLE supplier_exposure (
  order_id text PRIMARY KEY,
  supplier_id text NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  reserved_at timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz
);
CREATE INDEX supplier_exposure_open_idx ON supplier_exposure (supplier_id, currency) INCLUDE (amount)
  WHERE released_at IS NULL;

-- Orders open now were created before the program and count in exposure (their closing event
-- releases them like any other). Orders older than order events have none to read and do not.
INSERT INTO supplier_exposure (order_id, supplier_id, currency, amount, reserved_at)
SELECT e.order_id, e.payload #>> '{contract,supplier,id}', e.payload #>> '{contract,currency}',
       (e.payload #>> '{contract,amount}')::bigint, e.occurred_at
FROM order_events e
WHERE e.type = 'order.created'
  AND NOT EXISTS (
    SELECT 1 FROM order_events c
    WHERE c.order_id = e.order_id
      AND c.type IN ('order.released', 'order.refunded', 'order.split', 'order.cancelled')
  );

-- Supplier events share the feed (and its positions) with order events: one row names an order or
-- a supplier, and `sequence` counts per order or per supplier.
ALTER TABLE order_events ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE order_events ADD COLUMN supplier_id text;
ALTER TABLE order_events ADD CONSTRAINT order_events_one_subject CHECK ((order_id IS NULL) <> (supplier_id IS NULL));
ALTER TABLE order_events ADD CONSTRAINT order_events_once_per_supplier_sequence UNIQUE (supplier_id, sequence);

-- How far the webhooks have delivered the supplier events, in feed positions (one row).
CREATE TABLE supplier_event_delivery (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  delivered_through bigint NOT NULL
);
INSERT INTO supplier_event_delivery (delivered_through)
  SELECT COALESCE(MAX(position), 0) FROM order_events;

-- The read model of the program: what each order contributes to its supplier's figures
-- (workflows/rules/program.ts), kept from the order's latest stored event.
CREATE TABLE supplier_orders (
  order_id text PRIMARY KEY,
  supplier_id text NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL,
  last_sequence integer NOT NULL,
  closed_at timestamptz,
  on_time_num integer NOT NULL,
  on_time_den integer NOT NULL,
  dispute_num integer NOT NULL,
  dispute_den integer NOT NULL,
  refund_num bigint NOT NULL,
  refund_den bigint NOT NULL,
  released bigint NOT NULL,
  transaction boolean NOT NULL
);
CREATE INDEX supplier_orders_closed_idx ON supplier_orders (supplier_id, closed_at) WHERE closed_at IS NOT NULL;

-- The buyer's moves on orders that wait for the supplier, and when the supplier answered.
CREATE TABLE supplier_moves (
  move_id text PRIMARY KEY,
  supplier_id text NOT NULL,
  order_id text NOT NULL,
  last_sequence integer NOT NULL,
  received_at timestamptz NOT NULL,
  window_ends_at timestamptz NOT NULL,
  responded_at timestamptz
);
CREATE INDEX supplier_moves_received_idx ON supplier_moves (supplier_id, received_at);

-- Buyers' messages to suppliers outside orders, as the marketplace reports them.
CREATE TABLE supplier_inquiries (
  supplier_id text NOT NULL REFERENCES suppliers (supplier_id),
  inquiry_id text NOT NULL,
  received_at timestamptz NOT NULL,
  window_ends_at timestamptz NOT NULL,
  responded_at timestamptz,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (supplier_id, inquiry_id),
  CONSTRAINT responded_after_received CHECK (responded_at IS NULL OR responded_at >= received_at)
);
CREATE INDEX supplier_inquiries_received_idx ON supplier_inquiries (supplier_id, received_at);

-- Set when events exist that the read model has not seen: the first process to start after this
-- migration builds it from them (db/program-read-model.ts), as `npm run program:rebuild` does.
CREATE TABLE program_read_model (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  needs_rebuild boolean NOT NULL
);
INSERT INTO program_read_model (needs_rebuild) SELECT EXISTS (SELECT 1 FROM order_events);

-- The first answer of each Idempotency-Key on the supplier routes, replayed to its retries.
CREATE TABLE api_idempotency (
  scope text PRIMARY KEY,
  fingerprint text NOT NULL,
  status_code integer NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Reserves an order's amount when the supplier's available coverage holds it: one round trip per
-- create. The supplier's row lock serialises the creates of one supplier, and every statement of
-- a function sees what committed before it began, so the second of two racing creates counts the
-- first's reservation. An order that has a reservation already (an identical re-create, a retry)
-- reserves nothing and is not checked again.
CREATE FUNCTION program_reserve(p_order_id text, p_supplier_id text, p_currency text, p_amount bigint)
RETURNS TABLE (outcome text, supplier_status text, limit_amount bigint, exposure bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s_status text;
  s_limit bigint;
  s_exposure bigint;
BEGIN
  SELECT s.status INTO s_status FROM suppliers s WHERE s.supplier_id = p_supplier_id FOR UPDATE;
  IF EXISTS (SELECT 1 FROM supplier_exposure x WHERE x.order_id = p_order_id) THEN
    RETURN QUERY SELECT 'existing'::text, s_status, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  s_status := COALESCE(s_status, 'not_enrolled');
  s_limit := CASE WHEN s_status IN ('provisional', 'qualified') THEN COALESCE(
    (SELECT l.limit_amount FROM supplier_limits l WHERE l.supplier_id = p_supplier_id AND l.currency = p_currency),
    (SELECT l.limit_amount FROM supplier_limits l WHERE l.supplier_id = p_supplier_id AND l.currency = '*'),
    0) ELSE 0 END;
  SELECT COALESCE(SUM(x.amount), 0) INTO s_exposure FROM supplier_exposure x
    WHERE x.supplier_id = p_supplier_id AND x.currency = p_currency AND x.released_at IS NULL;
  IF s_status NOT IN ('provisional', 'qualified') OR p_amount > s_limit - s_exposure THEN
    RETURN QUERY SELECT 'refused'::text, s_status, s_limit, s_exposure;
    RETURN;
  END IF;
  -- Another body for the same order id, racing under another supplier's lock: that create is a 409.
  INSERT INTO supplier_exposure (order_id, supplier_id, currency, amount)
    VALUES (p_order_id, p_supplier_id, p_currency, p_amount) ON CONFLICT (order_id) DO NOTHING;
  RETURN QUERY SELECT CASE WHEN FOUND THEN 'reserved' ELSE 'existing' END, s_status, s_limit, s_exposure;
END;
$$;
