import { createHash, type Hash } from 'node:crypto';

/**
 * The canonical form of the ledger's entries that a daily statement hashes (docs/ledger.md#the-chain):
 * written down there precisely enough for an auditor to recompute a statement from the export.
 */

export const STATEMENT_FORMAT = 'ledger-statement/1';
/** The previous hash of the first statement. */
export const GENESIS_HASH = '0'.repeat(64);

/** One entry as the export's CSV row shows it: the ten columns, in their order. */
export interface CanonicalEntry {
  transactionId: string;
  createdAt: string;
  kind: string;
  orderId: string;
  account: string;
  amount: number;
  currency: string;
  idempotencyKey: string;
  reference: string | null;
  method: string | null;
}

/** A JSON array of the ten values, no whitespace: JSON.stringify's escaping is the standard's. */
export const canonicalLine = (e: CanonicalEntry): string =>
  JSON.stringify([
    e.transactionId,
    e.createdAt,
    e.kind,
    e.orderId,
    e.account,
    e.amount,
    e.currency,
    e.idempotencyKey,
    e.reference,
    e.method,
  ]);

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * SHA-256 over `ledger-statement/1\n<day>\n<previous hash>\n` and then each canonical line followed
 * by `\n`, the lines in commit order and, within a transaction, in entry order.
 */
export class StatementHash {
  private readonly hash: Hash;

  constructor(day: string, previousHash: string) {
    this.hash = createHash('sha256').update(`${STATEMENT_FORMAT}\n${day}\n${previousHash}\n`, 'utf8');
  }

  /** Adds the entry's line; answers the line's own digest. */
  add(entry: CanonicalEntry): string {
    const line = canonicalLine(entry);
    this.hash.update(`${line}\n`, 'utf8');
    return sha256Hex(line);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
