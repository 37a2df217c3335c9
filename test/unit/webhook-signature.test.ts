import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../activities/webhook-signature.js';

describe('webhook signatures', () => {
  const body = '{"id":"evt_A-1_1","type":"order.created"}';
  const now = 1_800_000_000;

  it('verifies what it signed, from Fetch headers or Node headers', () => {
    const signature = signWebhook('s3cret', body, now);
    expect(signature).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret', new Headers({ 'Escrow-Signature': signature }), body, { now })).toEqual({
      ok: true,
      timestamp: now,
    });
    expect(verifyWebhook('s3cret', { 'escrow-signature': signature }, body, { now }).ok).toBe(true);
  });

  it.each([
    ['another secret', 'other', body, now, 'signature does not match'],
    ['a changed body', 's3cret', `${body} `, now, 'signature does not match'],
    ['an old timestamp', 's3cret', body, now + 301, 'timestamp outside the tolerance window'],
  ])('refuses %s', (_, secret, received, at, reason) => {
    const headers = { 'escrow-signature': signWebhook('s3cret', body, now) };
    expect(verifyWebhook(secret, headers, received, { now: at })).toEqual({ ok: false, reason });
  });

  it('refuses missing and malformed headers', () => {
    expect(verifyWebhook('s3cret', {}, body)).toEqual({
      ok: false,
      reason: 'missing escrow-signature header',
    });
    expect(verifyWebhook('s3cret', { 'escrow-signature': 'v1=abc' }, body)).toEqual({
      ok: false,
      reason: 'malformed signature header',
    });
  });
});
