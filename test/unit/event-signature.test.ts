import { describe, expect, it } from 'vitest';
import { eventPublicKeys, eventSigningKey, loadConfig } from '../../config/env.js';
import { withEventPublicKeys } from '../../worker/workflow-bundle.js';
import {
  generateEventKeyPair,
  parsePublicKeys,
  signatureProblem,
  signEvent,
} from '../../workflows/rules/event-signature.js';

const fields = {
  workflowId: 'order-1',
  updateName: 'recordPayment',
  updateId: 'u-1',
  args: [{ b: 1, a: 'x' }],
};

describe('event signatures', () => {
  it('verifies with the public key only, whatever the key order of the body', () => {
    const pair = generateEventKeyPair();
    const sig = signEvent(pair.secretKey, fields);
    expect(sig.publicKey).toBe(pair.publicKey);
    const reordered = { ...fields, args: [{ a: 'x', b: 1 }] };
    expect(signatureProblem([pair.publicKey], reordered, sig)).toBeUndefined();
    expect(signatureProblem([pair.publicKey], { ...fields, updateId: 'u-2' }, sig)).toMatch(/does not match/);
    expect(signatureProblem([pair.publicKey], fields, undefined)).toMatch(/no signature/);
    expect(signatureProblem([pair.publicKey], fields, 'x')).toMatch(/malformed/);
    expect(signatureProblem([generateEventKeyPair().publicKey], fields, sig)).toMatch(/not accepted/);
    expect(signatureProblem([pair.publicKey], fields, { ...sig, signature: 'zz' })).toMatch(/does not match/);
  });

  it('reads public keys separated by commas or lines and names a bad one', () => {
    const [a, b] = [generateEventKeyPair().publicKey, generateEventKeyPair().publicKey];
    expect(parsePublicKeys(` ${a},\n${b.toUpperCase()}\n`)).toEqual([a, b]);
    expect(() => parsePublicKeys(`${a},nope`)).toThrow('"nope" is not an Ed25519 public key');
  });
});

describe('event key configuration', () => {
  const base = { DATABASE_URL: 'postgres://x@y/z' };

  it('requires the public keys on a worker and the private key on the API, each with its reason', () => {
    expect(() => eventPublicKeys(loadConfig(base))).toThrow(/EVENT_PUBLIC_KEYS: required/);
    expect(() => eventSigningKey(loadConfig(base))).toThrow(/EVENT_SIGNING_KEY: required/);
    expect(() => loadConfig({ ...base, EVENT_SIGNING_KEY: 'short' })).toThrow(/EVENT_SIGNING_KEY: must be/);
    expect(() => loadConfig({ ...base, EVENT_PUBLIC_KEYS: 'x' })).toThrow(/EVENT_PUBLIC_KEYS: "x" is not/);
    const pair = generateEventKeyPair();
    const config = loadConfig({
      ...base,
      EVENT_PUBLIC_KEYS: pair.publicKey,
      EVENT_SIGNING_KEY: pair.secretKey,
    });
    expect(eventPublicKeys(config)).toEqual([pair.publicKey]);
    expect(eventSigningKey(config)).toBe(pair.secretKey);
  });

  it('writes the keys into the bundle once, and refuses a bundle without the placeholder', () => {
    const code = "const ACCEPTED_KEYS = '__ESCROW_EVENT_PUBLIC_KEYS__';";
    expect(withEventPublicKeys(code, ['ab', 'cd'])).toBe('const ACCEPTED_KEYS = "ab,cd";');
    expect(() => withEventPublicKeys('const x = 1;', ['ab'])).toThrow('0 event key placeholders');
  });
});
