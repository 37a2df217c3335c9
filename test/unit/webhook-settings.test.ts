import { execFileSync } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { standardWebhookSigner } from '../../activities/standard-webhook-signature.js';
import { loadConfig, webhookSettings } from '../../config/env.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';

const minimal = { DATABASE_URL: 'postgres://escrow:escrow@db:5432/escrow' };
const hooks = { WEBHOOK_URLS: 'https://hooks.example/escrow' };

/** What an operator makes as the docs say: `echo "whsec_$(openssl rand -base64 32)"`. */
const opensslSecret = () =>
  `whsec_${execFileSync('openssl', ['rand', '-base64', '32'], { encoding: 'utf8' }).trim()}`;

describe('webhook secrets (Standard Webhooks)', () => {
  it('takes whsec_ secrets, the newest first, as openssl makes them', () => {
    const [next, current] = [opensslSecret(), generateWebhookSecret()];
    const config = loadConfig({ ...minimal, ...hooks, WEBHOOK_SECRETS: ` ${next} , ${current} ` });
    expect(webhookSettings(config)).toEqual({
      urls: ['https://hooks.example/escrow'],
      secrets: [next, current],
    });
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 7).toString('base64')],
    ['not base64', 'whsec_not base64 at all: this one!!'],
    ['not canonical base64', `whsec_${Buffer.alloc(32, 7).toString('base64').replace('=', '')}`],
    ['16 bytes: the spec asks for 24 to 64', `whsec_${Buffer.alloc(16, 7).toString('base64')}`],
    ['65 bytes', `whsec_${Buffer.alloc(65, 7).toString('base64')}`],
  ])('refuses a secret with %s, says how to make one, and never repeats it', (_, bad) => {
    const load = () =>
      loadConfig({ ...minimal, ...hooks, WEBHOOK_SECRETS: `${generateWebhookSecret()},${bad}` });
    expect(load).toThrow('WEBHOOK_SECRETS: entry 2 refused: each must be whsec_ followed by the base64');
    expect(load).toThrow('openssl rand -base64 32');
    try {
      load();
    } catch (err) {
      expect((err as Error).message).not.toContain(bad);
    }
  });

  it('requires a secret for the order webhooks and for the arbitration notices; empty counts as unset', () => {
    expect(() => loadConfig({ ...minimal, ...hooks, WEBHOOK_SECRETS: '' })).toThrow(
      'WEBHOOK_SECRETS: required with WEBHOOK_URLS',
    );
    expect(() =>
      loadConfig({ ...minimal, ARBITRATION_WEBHOOK_URL: 'https://pager.example/notices' }),
    ).toThrow('WEBHOOK_SECRETS: required with ARBITRATION_WEBHOOK_URL');
    expect(webhookSettings(loadConfig(minimal))).toEqual({ urls: [], secrets: [] });
  });

  it('refuses the old WEBHOOK_SECRET alone, naming the new setting and the one-release way back', () => {
    const load = () => loadConfig({ ...minimal, ...hooks, WEBHOOK_SECRET: 'the-old-secret-of-2025' });
    expect(load).toThrow(/WEBHOOK_SECRET: replaced by WEBHOOK_SECRETS/);
    expect(load).toThrow(/WEBHOOK_SECRETS: required with WEBHOOK_URLS/);
    expect(load).toThrow(/WEBHOOK_LEGACY_SIGNATURE=1/);
    // Compose passes it empty when unset.
    expect(() => loadConfig({ ...minimal, WEBHOOK_SECRET: '' })).not.toThrow();
  });

  it('sends the deprecated Escrow-Signature for one release only when asked, with the old secret', () => {
    const secret = generateWebhookSecret();
    const legacy = { WEBHOOK_SECRET: 'the-old-secret-of-2025', WEBHOOK_LEGACY_SIGNATURE: '1' };
    expect(webhookSettings(loadConfig({ ...minimal, ...hooks, ...legacy, WEBHOOK_SECRETS: secret }))).toEqual(
      {
        urls: ['https://hooks.example/escrow'],
        secrets: [secret],
        legacySecret: 'the-old-secret-of-2025',
      },
    );
    expect(() =>
      loadConfig({ ...minimal, ...hooks, WEBHOOK_LEGACY_SIGNATURE: '1', WEBHOOK_SECRETS: secret }),
    ).toThrow('WEBHOOK_SECRET: at least 16 characters, required with WEBHOOK_LEGACY_SIGNATURE=1');
    expect(() => loadConfig({ ...minimal, WEBHOOK_LEGACY_SIGNATURE: 'yes' })).toThrow(
      'WEBHOOK_LEGACY_SIGNATURE: must be 1 or 0',
    );
  });
});

describe('the signer, checked with the standardwebhooks package', () => {
  const body = JSON.stringify({ id: 'evt_PO-1_1', type: 'order.created', data: { order: {} } });

  it('signs once per secret, and a receiver that knows either one verifies', () => {
    const [next, current] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = standardWebhookSigner([next, current])('evt_PO-1_1', body);
    expect(headers['webhook-id']).toBe('evt_PO-1_1');
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    for (const secret of [next, current]) {
      expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    }
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(
      'No matching signature found',
    );
  });

  it('signs what the library signs, byte for byte', () => {
    const secret = generateWebhookSecret();
    const timestamp = 1_767_225_600;
    const headers = standardWebhookSigner([secret])('evt_PO-1_1', body, timestamp);
    expect(headers['webhook-signature']).toBe(
      new Webhook(secret).sign('evt_PO-1_1', new Date(timestamp * 1000), body),
    );
  });
});
