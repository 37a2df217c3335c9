import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';

/*
 * Proof that a marketplace event came through the API (docs/spec.md#who-may-move-money). The API signs every
 * Update it sends with its Ed25519 key; the workflow checks the signature in the Update's validator against
 * public keys only. Pure JS (no Node built-ins): this module runs in the workflow sandbox too.
 */

/** The Temporal header that carries the signature: handler arguments and Update names stay as they are. */
export const SIGNATURE_HEADER = 'escrow-event-signature';

/** Failure type of a refused event. From the API it means a misconfiguration: its key is not among the workers'. */
export const UNSIGNED_EVENT = 'OrderEventNotFromApi';

/** Updates that people send from the Temporal UI (the arbitrator's, the underwriter's), authorized by the UI's login instead. */
export const UNSIGNED_UPDATES = new Set(['arbitrate', 'verify']);

/*
 * No expiry: a Reset reapplies an order's accepted Updates, signatures and all, to the new run,
 * possibly weeks later, and their validators run again. A copied signature is useless elsewhere
 * (it covers the order, the Update name and id, and the body), and sent again to the same order the
 * server answers it with the first outcome, because the Update id is the same.
 */

export interface EventSignature {
  /** Hex of the signer's public key: which of the accepted keys to check against. */
  publicKey: string;
  /** Hex of the 64-byte Ed25519 signature. */
  signature: string;
}

/** Everything the signature covers: a signature fits one event of one order and nothing else. */
export interface SignedFields {
  workflowId: string;
  updateName: string;
  updateId: string;
  args: unknown[];
}

const DOMAIN = 'trade-escrow/order-event/v1';
const HEX_KEY = /^[0-9a-f]{64}$/;

/**
 * The signed bytes: a JSON array of the fields (unambiguous) with the body in canonical JSON, so
 * that the API (which has the arguments before encoding) and the workflow (after decoding) agree.
 */
export function signedMessage(fields: SignedFields): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify([
      DOMAIN,
      fields.workflowId,
      fields.updateName,
      fields.updateId,
      canonicalJson(fields.args),
    ]),
  );
}

export function signEvent(secretKeyHex: string, fields: SignedFields): EventSignature {
  const secretKey = hexToBytes(secretKeyHex);
  return {
    publicKey: bytesToHex(ed25519.getPublicKey(secretKey)),
    signature: bytesToHex(ed25519.sign(signedMessage(fields), secretKey)),
  };
}

/** Why the event is refused, or undefined when it carries a valid signature by an accepted key. */
export function signatureProblem(
  acceptedKeys: readonly string[],
  fields: SignedFields,
  claimed: unknown,
): string | undefined {
  if (claimed === undefined) return 'it carries no signature of the API';
  if (claimed === null || typeof claimed !== 'object') return 'its signature header is malformed';
  const sig = claimed as Partial<EventSignature>;
  if (typeof sig.publicKey !== 'string' || typeof sig.signature !== 'string') {
    return 'its signature header is malformed';
  }
  if (!acceptedKeys.includes(sig.publicKey)) return 'it is signed with a key that is not accepted';
  let valid = false;
  try {
    valid = ed25519.verify(hexToBytes(sig.signature), signedMessage(fields), hexToBytes(sig.publicKey));
  } catch {
    valid = false;
  }
  return valid ? undefined : 'its signature does not match this event';
}

/** Comma- or newline-separated hex public keys; throws with the offending entry named. */
export function parsePublicKeys(spec: string): string[] {
  const keys = spec
    .split(/[\s,]+/)
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  for (const key of keys) {
    if (!HEX_KEY.test(key)) throw new Error(`"${key}" is not an Ed25519 public key (64 hex digits)`);
  }
  return keys;
}

export function isSecretKey(hex: string): boolean {
  return HEX_KEY.test(hex.trim().toLowerCase());
}

export function publicKeyOf(secretKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(secretKeyHex.trim().toLowerCase())));
}

export function generateEventKeyPair(): { secretKey: string; publicKey: string } {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey: bytesToHex(secretKey), publicKey: bytesToHex(ed25519.getPublicKey(secretKey)) };
}

/** JSON with object keys sorted at every level, as the payload converter would round-trip it. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
