import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';

/**
 * The verifiable part of a case dossier (docs/dossier.md): every event of the order chained by
 * SHA-256 over its RFC 8785 canonical JSON, and an Ed25519 signature over the chain's head. It is
 * what the API signs and what `npm run dossier:verify` checks; anyone can check it again with a few
 * lines of any language, as docs/dossier.md shows.
 */

export const DOSSIER_DOMAIN = 'trade-escrow/dossier/v1' as const;

export interface ChainEntry<E = unknown> {
  event: E;
  prev: string;
  hash: string;
}

/**
 * RFC 8785 (JCS) of a JSON value: object members sorted by their names' UTF-16 code units, no
 * whitespace, strings and numbers as ECMAScript's JSON.stringify writes them (which is what JCS
 * specifies). Object.keys alone would not do: it lists integer-like names ("9", "10") first.
 */
export function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`JCS has no ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : jcs(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const names = Object.keys(record)
    .filter((name) => record[name] !== undefined)
    .sort();
  return `{${names.map((name) => `${JSON.stringify(name)}:${jcs(record[name])}`).join(',')}}`;
}

/** `hash` = SHA-256 hex of `prev + "\n" + JCS(event)`. */
export function entryHash(prev: string, event: unknown): string {
  return createHash('sha256')
    .update(`${prev}\n${jcs(event)}`, 'utf8')
    .digest('hex');
}

/** The events chained in the order given; the first entry's `prev` is "". */
export function chain<E>(events: readonly E[]): { entries: ChainEntry<E>[]; head: string } {
  let prev = '';
  const entries = events.map((event) => {
    const hash = entryHash(prev, event);
    const entry = { event, prev, hash };
    prev = hash;
    return entry;
  });
  return { entries, head: prev };
}

/** The signed bytes: `"trade-escrow/dossier/v1\n" + orderId + "\n" + head` in UTF-8. */
export const dossierMessage = (orderId: string, head: string): Uint8Array =>
  new TextEncoder().encode(`${DOSSIER_DOMAIN}\n${orderId}\n${head}`);

export const signDossier = (secretKeyHex: string, orderId: string, head: string): string =>
  bytesToHex(ed25519.sign(dossierMessage(orderId, head), hexToBytes(secretKeyHex)));

export interface SignedChain {
  orderId: string;
  entries: { event: unknown; prev: string; hash: string }[];
  head: string;
  signature: string;
  publicKey: string;
}

export type Verdict =
  | { ok: true; events: number }
  | {
      ok: false;
      problem: string;
      /** The first entry that does not hold, when one is to blame. */
      entry?: { index: number; sequence?: unknown; type?: unknown; id?: unknown };
    };

/**
 * Checks the chain entry by entry (each `prev` is the hash before it, each `hash` that of its own
 * event), the head, and the signature by `publicKey` (the dossier's own unless one is given).
 */
export function verifyChain(dossier: SignedChain, publicKey = dossier.publicKey): Verdict {
  if (!Array.isArray(dossier.entries)) return { ok: false, problem: 'the dossier has no entries' };
  let prev = '';
  for (const [index, entry] of dossier.entries.entries()) {
    const event = (entry?.event ?? {}) as Record<string, unknown>;
    const blame = { index, sequence: event.sequence, type: event.type, id: event.id };
    if (entry?.prev !== prev) {
      return { ok: false, problem: 'its prev is not the hash of the entry before it', entry: blame };
    }
    let hash: string;
    try {
      hash = entryHash(prev, entry.event);
    } catch (err) {
      return { ok: false, problem: (err as Error).message, entry: blame };
    }
    if (hash !== entry.hash) {
      return { ok: false, problem: 'its event is not the event that was hashed: altered', entry: blame };
    }
    prev = hash;
  }
  if (dossier.head !== prev) return { ok: false, problem: 'head is not the hash of the last entry' };
  if (publicKey.toLowerCase() !== String(dossier.publicKey).toLowerCase()) {
    return { ok: false, problem: `signed by ${dossier.publicKey}, not by the key given (${publicKey})` };
  }
  let signed = false;
  try {
    signed = ed25519.verify(
      hexToBytes(dossier.signature),
      dossierMessage(dossier.orderId, dossier.head),
      hexToBytes(publicKey),
    );
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, problem: 'the signature does not match the order id and head' };
  return { ok: true, events: dossier.entries.length };
}
