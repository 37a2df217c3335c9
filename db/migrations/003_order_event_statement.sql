-- The statement an `order.statement_added` event announces (SPEC §9.3). Events carry the order
-- without its statements, so that each statement is stored once and not in every later event.
ALTER TABLE order_events ADD COLUMN statement jsonb;
