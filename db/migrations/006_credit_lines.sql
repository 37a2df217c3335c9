-- e-Credit Line (docs/credit.md): the lender's accounts in the ledger, and the lines' events.

-- A line's accounts. `lender:<lineId>`: what the lender may still lend on the line (opened with
-- the limit, drawn into escrow, refilled by principal repaid): never below zero, so that no draw
-- can lend more than the limit whatever the workflows do. `borrower:<lineId>`: interest the buyer
-- owes, billed at each statement and paid by repayments: never above zero (no interest paid
-- twice). `income:<lineId>`: the lender's interest earned. `capital:<currency>`: where the
-- lender's money comes from and goes back to when a line closes.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
  CHECK (kind IN ('escrow', 'buyer', 'supplier', 'lender', 'borrower', 'income', 'capital'));
ALTER TABLE ledger_accounts ADD CONSTRAINT lender_balance_never_negative CHECK (kind <> 'lender' OR balance >= 0);
ALTER TABLE ledger_accounts ADD CONSTRAINT borrower_balance_never_positive CHECK (kind <> 'borrower' OR balance <= 0);

-- A transaction belongs to an order or to a line.
ALTER TABLE ledger_transactions ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE ledger_transactions ADD COLUMN line_id text;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_one_subject
  CHECK ((order_id IS NULL) <> (line_id IS NULL));
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('funding', 'refund', 'release', 'credit_open', 'interest', 'repayment', 'credit_close'));
ALTER TABLE ledger_transactions ADD CONSTRAINT line_kinds_on_lines
  CHECK ((line_id IS NULL) = (kind IN ('funding', 'refund', 'release')));
CREATE INDEX ledger_transactions_line_idx ON ledger_transactions (line_id, id) WHERE line_id IS NOT NULL;

-- Per line, serialising its movements like ledger_order_totals does an order's, with what the
-- lines' invariants are checked against: principal repaid never above what was lent, interest
-- paid never above what was billed.
CREATE TABLE ledger_line_totals (
  line_id text PRIMARY KEY,
  currency char(3) NOT NULL,
  opened bigint NOT NULL DEFAULT 0 CHECK (opened >= 0),
  interest_billed bigint NOT NULL DEFAULT 0 CHECK (interest_billed >= 0),
  interest_paid bigint NOT NULL DEFAULT 0 CHECK (interest_paid >= 0),
  principal_repaid bigint NOT NULL DEFAULT 0 CHECK (principal_repaid >= 0),
  CONSTRAINT interest_paid_never_exceeds_billed CHECK (interest_paid <= interest_billed)
);

-- The lines' events (credit_line.*) share the feed, its positions and the delivery of supplier
-- events with the others: a row names one order, one supplier or one line; `sequence` counts per line.
ALTER TABLE order_events ADD COLUMN line_id text;
ALTER TABLE order_events DROP CONSTRAINT order_events_one_subject;
ALTER TABLE order_events ADD CONSTRAINT order_events_one_subject
  CHECK (num_nonnulls(order_id, supplier_id, line_id) = 1);
ALTER TABLE order_events ADD CONSTRAINT order_events_once_per_line_sequence UNIQUE (line_id, sequence);

-- The buyer's record (docs/credit.md#the-buyers-record) reads the orders a buyer created.
CREATE INDEX order_events_created_by_buyer_idx ON order_events ((payload #>> '{contract,buyer,id}'), occurred_at)
  WHERE type = 'order.created';
