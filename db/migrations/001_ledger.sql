-- Double-entry ledger: the payments system of record (SPEC §5).
-- Sign convention: an entry adds its amount to its account's balance. Funding moves money from
-- the buyer's account into the order's escrow account; refunds move it back; releases move it
-- to the supplier's account. Every transaction's entries sum to zero.

CREATE TABLE ledger_accounts (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('escrow', 'buyer', 'supplier')),
  owner_id text NOT NULL,
  currency char(3) NOT NULL,
  balance bigint NOT NULL DEFAULT 0,
  CONSTRAINT escrow_balance_never_negative CHECK (kind <> 'escrow' OR balance >= 0)
);

CREATE TABLE ledger_order_totals (
  order_id text PRIMARY KEY,
  currency char(3) NOT NULL,
  funded bigint NOT NULL DEFAULT 0 CHECK (funded >= 0),
  refunded bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
  released bigint NOT NULL DEFAULT 0 CHECK (released >= 0),
  CONSTRAINT payouts_never_exceed_funding CHECK (refunded + released <= funded)
);

CREATE TABLE ledger_transactions (
  id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL,
  order_id text NOT NULL REFERENCES ledger_order_totals (order_id),
  kind text NOT NULL CHECK (kind IN ('funding', 'refund', 'release')),
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  reference text,
  memo text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_transactions_idempotency_key_unique UNIQUE (idempotency_key)
);
CREATE INDEX ledger_transactions_order_idx ON ledger_transactions (order_id, id);

CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  transaction_id bigint NOT NULL REFERENCES ledger_transactions (id),
  account_id text NOT NULL REFERENCES ledger_accounts (id),
  amount bigint NOT NULL CHECK (amount <> 0)
);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id);

-- Checked at commit so that a transaction may insert its legs one at a time.
CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total bigint;
BEGIN
  SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (sum of entries %)', NEW.transaction_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_entries_balance
  AFTER INSERT OR UPDATE ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances();

-- The ledger is append-only: corrections are new transactions, never edits.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
