import type { LedgerBooks } from '../db/ledger-books.js';
import type { LedgerActivities } from '../workflows/model/ledger.js';

export function createLedgerActivities(books: LedgerBooks): LedgerActivities {
  return {
    async closeLedgerDay() {
      const statement = await books.closeNextDay();
      return (
        statement && {
          date: statement.date,
          hash: statement.hash,
          transactions: statement.transactions,
          entries: statement.entries,
        }
      );
    },
  };
}
