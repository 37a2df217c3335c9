-- Payment methods (docs/spec.md#payment-methods): 005 gave every ledger transaction a `method`
-- column, null until payments had one. A funding records its payment's method from now on; the
-- ledger accepts only the engine's methods there, so the export's `method` column is one of them.
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_method_check
  CHECK (method IS NULL OR method IN ('tt', 'card', 'ach', 'sepa', 'lc', 'credit_line'));

-- A draw's funding comes from the lender's account of its line and is a credit_line payment.
CREATE FUNCTION ledger_lender_funding_is_a_draw() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.account_id LIKE 'lender:%' AND EXISTS (
    SELECT 1 FROM ledger_transactions t
     WHERE t.id = NEW.transaction_id AND t.kind = 'funding' AND t.method IS DISTINCT FROM 'credit_line'
  ) THEN
    RAISE EXCEPTION 'a funding from % must be a credit_line payment', NEW.account_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_entries_lender_funding_is_a_draw BEFORE INSERT ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_lender_funding_is_a_draw();
