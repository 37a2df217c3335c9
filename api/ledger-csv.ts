import type { ExportedTransaction } from '../db/ledger-books.js';
import { LEDGER_CSV_COLUMNS } from './schemas/ledger.js';

/**
 * The export as RFC 4180 CSV, one row per entry, for accounting tools. Text is always quoted; a text
 * that a spreadsheet would read as a formula (it starts with = + - @, a tab or a carriage return) is
 * given a leading apostrophe, so that `=HYPERLINK(…)` in a payment reference stays text. Amounts and
 * ids are bare integers, which stay numbers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

const text = (value: string | null) => {
  if (value === null) return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
};

export const csvHeader = () => `${LEDGER_CSV_COLUMNS.join(',')}\r\n`;

export function csvRows(transactions: readonly ExportedTransaction[]): string {
  let out = '';
  for (const t of transactions) {
    for (const e of t.entries) {
      out += `${[
        t.transactionId,
        text(t.createdAt),
        text(t.kind),
        text(t.orderId),
        text(e.account),
        String(e.amount),
        text(t.currency),
        text(t.idempotencyKey),
        text(t.reference),
        text(t.method),
      ].join(',')}\r\n`;
    }
  }
  return out;
}
