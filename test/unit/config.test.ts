import { describe, expect, it } from 'vitest';
import { loadConfig, temporalConnectionSettings } from '../../config/env.js';

const minimal = { DATABASE_URL: 'postgres://escrow:escrow@db:5432/escrow' };

describe('configuration', () => {
  it('fills defaults around the one required variable', () => {
    expect(loadConfig(minimal)).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'escrow-orders',
      DATABASE_POOL_SIZE: 10,
      WEBHOOK_URLS: [],
      WORKER_SHUTDOWN_GRACE_SECONDS: 30,
      API_PORT: 3000,
    });
  });

  it('names every missing or malformed variable at once', () => {
    expect(() =>
      loadConfig({ TEMPORAL_ADDRESS: 'temporal', DATABASE_POOL_SIZE: 'many', WEBHOOK_URLS: 'ftp://x' }),
    ).toThrow(
      /invalid configuration:\n(?=[\s\S]*TEMPORAL_ADDRESS: must be host:port)(?=[\s\S]*DATABASE_URL)(?=[\s\S]*DATABASE_POOL_SIZE)(?=[\s\S]*WEBHOOK_URLS)/,
    );
  });

  it('refuses webhooks without a secret and half an mTLS pair', () => {
    expect(() => loadConfig({ ...minimal, WEBHOOK_URLS: 'https://hooks.example/escrow' })).toThrow(
      /WEBHOOK_SECRET/,
    );
    expect(() => loadConfig({ ...minimal, TEMPORAL_TLS_CERT_PATH: '/etc/cert.pem' })).toThrow(/go together/);
  });

  it('turns TLS on for a Temporal Cloud API key', () => {
    const config = loadConfig({
      ...minimal,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_API_KEY: 'k',
    });
    expect(temporalConnectionSettings(config)).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'k',
      tls: true,
    });
  });
});
