-- Commission and reversals (docs/ledger.md#fees, docs/ledger.md#reversals).

-- `fees:<currency>`: what the marketplace earned, paid out of releases in the release's own
-- transaction. It only ever receives, so it never goes below zero.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
  CHECK (kind IN ('escrow', 'buyer', 'supplier', 'lender', 'borrower', 'income', 'capital', 'fees'));
ALTER TABLE ledger_accounts ADD CONSTRAINT fees_balance_never_negative CHECK (kind <> 'fees' OR balance >= 0);

-- `reversal`: a payment the rail took back, from escrow to the buyer's account it came from.
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('funding', 'refund', 'release', 'reversal', 'credit_open', 'interest', 'repayment', 'credit_close'));
ALTER TABLE ledger_transactions DROP CONSTRAINT line_kinds_on_lines;
ALTER TABLE ledger_transactions ADD CONSTRAINT line_kinds_on_lines
  CHECK ((line_id IS NULL) = (kind IN ('funding', 'refund', 'release', 'reversal')));

-- What left escrow by reversals counts against what was funded like refunds and releases do: a
-- reversal racing a payout can never take out more than came in.
ALTER TABLE ledger_order_totals ADD COLUMN reversed bigint NOT NULL DEFAULT 0 CHECK (reversed >= 0);
ALTER TABLE ledger_order_totals DROP CONSTRAINT payouts_never_exceed_funding;
ALTER TABLE ledger_order_totals ADD CONSTRAINT payouts_never_exceed_funding
  CHECK (refunded + released + reversed <= funded);

-- The fee a release paid, beside its gross amount: a retry of the release with another fee is a
-- reuse of its key.
ALTER TABLE ledger_transactions ADD COLUMN fee bigint CHECK (fee IS NULL OR (fee >= 0 AND fee <= amount));
