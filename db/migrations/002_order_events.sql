-- Order events (issue 7): the pull feed and the source of webhook deliveries.
-- `position` orders the global feed; inserts take an advisory lock (see OrderEventStore) so that
-- positions become visible in the order they were assigned and a reader polling `after=<cursor>`
-- never skips an event committed late.

CREATE TABLE order_events (
  position bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  order_id text NOT NULL,
  sequence integer NOT NULL CHECK (sequence > 0),
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  payload jsonb NOT NULL,
  CONSTRAINT order_events_once_per_sequence UNIQUE (order_id, sequence)
);

CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL REFERENCES order_events (id),
  endpoint text NOT NULL,
  attempt integer NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  error text,
  delivered boolean NOT NULL,
  next_attempt_at timestamptz
);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id, endpoint);
CREATE UNIQUE INDEX webhook_deliveries_delivered_once ON webhook_deliveries (event_id, endpoint) WHERE delivered;
