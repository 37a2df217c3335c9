-- Reconciliation (docs/ledger.md): commit positions for the export, the payment's method, and the
-- daily statements with their chained SHA-256.

-- The payment method of a movement, where the ledger knows it; null for every movement so far.
ALTER TABLE ledger_transactions ADD COLUMN method text;

-- One row. `last_position` is the commit position given last; `open_from` the first instant whose
-- transactions may still commit: every day before it is closed by a statement.
CREATE TABLE ledger_clock (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_position bigint NOT NULL CHECK (last_position >= 0),
  open_from timestamptz
);

-- A transaction's place in commit order: 1, 2, 3, … without gaps. An id (a sequence) is taken when
-- the row is inserted, so a reader paging by id could pass a transaction that commits later with a
-- smaller one; a position is taken at commit, under the clock's row lock, which the next committer
-- waits for, so a reader sees every position up to the last it sees.
CREATE TABLE ledger_commits (
  position bigint PRIMARY KEY CHECK (position > 0),
  transaction_id bigint NOT NULL UNIQUE REFERENCES ledger_transactions (id)
);

INSERT INTO ledger_commits (position, transaction_id)
  SELECT row_number() OVER (ORDER BY id), id FROM ledger_transactions;
INSERT INTO ledger_clock (last_position) SELECT count(*) FROM ledger_commits;

-- Deferred, so that it runs as the transaction commits and holds the clock's lock only for the
-- commit itself. A transaction created in a day that closed while it was in flight is refused as a
-- serialisation failure: retried, it is created anew in an open day, and a closed day never changes.
CREATE FUNCTION ledger_commit_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  given bigint;
  closed_before timestamptz;
BEGIN
  UPDATE ledger_clock SET last_position = last_position + 1
    RETURNING last_position, open_from INTO given, closed_before;
  IF closed_before IS NOT NULL AND NEW.created_at < closed_before THEN
    RAISE EXCEPTION 'ledger transaction % was created at %, in a day closed by its statement (open from %)',
      NEW.id, NEW.created_at, closed_before USING ERRCODE = 'serialization_failure';
  END IF;
  INSERT INTO ledger_commits (position, transaction_id) VALUES (given, NEW.id);
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_transactions_commit_position
  AFTER INSERT ON ledger_transactions
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_commit_position();

CREATE TRIGGER ledger_commits_append_only BEFORE UPDATE OR DELETE ON ledger_commits
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE INDEX ledger_transactions_created_idx ON ledger_transactions (created_at);

-- The statement of one UTC day: the SHA-256 of its canonical entries chained to the day before's.
CREATE TABLE ledger_statements (
  day date PRIMARY KEY,
  previous_hash text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  transactions integer NOT NULL CHECK (transactions >= 0),
  entries integer NOT NULL CHECK (entries >= 0),
  closed_at timestamptz NOT NULL DEFAULT now()
);

-- A statement follows the day before's and carries its hash; the first carries 64 zeros.
CREATE FUNCTION ledger_statement_chained() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prior record;
BEGIN
  SELECT day, hash INTO prior FROM ledger_statements ORDER BY day DESC LIMIT 1;
  IF prior IS NULL AND NEW.previous_hash <> repeat('0', 64) THEN
    RAISE EXCEPTION 'the first statement (%) must carry 64 zeros as its previous hash', NEW.day
      USING ERRCODE = 'check_violation';
  END IF;
  IF prior IS NOT NULL AND (NEW.day <> prior.day + 1 OR NEW.previous_hash <> prior.hash) THEN
    RAISE EXCEPTION 'the statement of % must follow the statement of % and carry its hash %',
      NEW.day, prior.day, prior.hash USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_statements_chained BEFORE INSERT ON ledger_statements
  FOR EACH ROW EXECUTE FUNCTION ledger_statement_chained();

-- Every account that moved in the day or holds a balance at its end.
CREATE TABLE ledger_statement_accounts (
  day date NOT NULL REFERENCES ledger_statements (day),
  account_id text NOT NULL,
  currency char(3) NOT NULL,
  closing_balance bigint NOT NULL,
  entries integer NOT NULL CHECK (entries >= 0),
  entries_sum bigint NOT NULL,
  PRIMARY KEY (day, account_id)
);

-- The SHA-256 of each entry's canonical line, so that a recomputation names the entry that changed.
CREATE TABLE ledger_statement_entries (
  day date NOT NULL REFERENCES ledger_statements (day),
  entry_id bigint NOT NULL,
  digest text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (day, entry_id)
);

CREATE TRIGGER ledger_statements_append_only BEFORE UPDATE OR DELETE ON ledger_statements
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_statement_accounts_append_only BEFORE UPDATE OR DELETE ON ledger_statement_accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_statement_entries_append_only BEFORE UPDATE OR DELETE ON ledger_statement_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
