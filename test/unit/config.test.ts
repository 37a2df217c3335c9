import { describe, expect, it } from 'vitest';
import { creditSettings } from '../../config/credit.js';
import { loadConfig, rateLimitsPerMinute, temporalConnectionSettings } from '../../config/env.js';
import { coveredMethods } from '../../config/payment-methods.js';
import { tracingEnabled } from '../../config/tracing.js';

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

  it('bounds the workflow cache by default, so that memory does not grow with the open orders', () => {
    expect(loadConfig(minimal).WORKER_MAX_CACHED_WORKFLOWS).toBe(100);
    expect(loadConfig({ ...minimal, WORKER_MAX_CACHED_WORKFLOWS: '1000' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(
      1000,
    );
  });

  it('takes rate limits per role, over one figure for all, over the defaults', () => {
    expect(rateLimitsPerMinute(loadConfig(minimal))).toEqual({});
    expect(rateLimitsPerMinute(loadConfig({ ...minimal, RATE_LIMIT_PER_MINUTE: '300' }))).toEqual({
      marketplace: 300,
      arbitrator: 300,
      underwriter: 300,
      reader: 300,
    });
    expect(
      rateLimitsPerMinute(
        loadConfig({ ...minimal, RATE_LIMIT_PER_MINUTE: '300', RATE_LIMIT_PER_MINUTE_MARKETPLACE: '12000' }),
      ),
    ).toEqual({ marketplace: 12000, arbitrator: 300, underwriter: 300, reader: 300 });
    expect(() => loadConfig({ ...minimal, RATE_LIMIT_PER_MINUTE_READER: '0' })).toThrow(
      /RATE_LIMIT_PER_MINUTE_READER/,
    );
  });

  it('reads the credit lines’ settings and refuses a malformed range', () => {
    expect(
      creditSettings(loadConfig({ ...minimal, CREDIT_LINE_LIMITS: 'AUD:500000-30000000,USD:100-200' }))
        .limits,
    ).toEqual({
      AUD: { min: 500000, max: 30000000 },
      USD: { min: 100, max: 200 },
    });
    expect(() => loadConfig({ ...minimal, CREDIT_LINE_LIMITS: 'AUD:9-1' })).toThrow(
      /CREDIT_LINE_LIMITS \/ CREDIT_VERIFICATION_TARGET: AUD:9-1: the range must be 0 < min ≤ max/,
    );
    expect(() => loadConfig({ ...minimal, CREDIT_VERIFICATION_TARGET: 'tomorrow' })).toThrow(
      /"tomorrow" is not an ISO 8601 duration/,
    );
  });

  it('reads the covered payment methods and refuses an unknown one at start', () => {
    expect(coveredMethods(loadConfig(minimal).PAYMENT_METHODS_COVERED)).toEqual(['tt', 'credit_line']);
    expect(
      coveredMethods(
        loadConfig({ ...minimal, PAYMENT_METHODS_COVERED: 'tt, card,sepa' }).PAYMENT_METHODS_COVERED,
      ),
    ).toEqual(['tt', 'card', 'sepa']);
    expect(() => loadConfig({ ...minimal, PAYMENT_METHODS_COVERED: 'tt,wire' })).toThrow(
      /PAYMENT_METHODS_COVERED: "wire": the methods are tt, card, ach, sepa, lc, credit_line/,
    );
    expect(() => loadConfig({ ...minimal, PAYMENT_METHODS_COVERED: ' , ' })).toThrow(
      /PAYMENT_METHODS_COVERED: name at least one method/,
    );
  });

  it('names every missing or malformed variable at once', () => {
    expect(() =>
      loadConfig({ TEMPORAL_ADDRESS: 'temporal', DATABASE_POOL_SIZE: 'many', WEBHOOK_URLS: 'ftp://x' }),
    ).toThrow(
      /invalid configuration:\n(?=[\s\S]*TEMPORAL_ADDRESS: must be host:port)(?=[\s\S]*DATABASE_URL)(?=[\s\S]*DATABASE_POOL_SIZE)(?=[\s\S]*WEBHOOK_URLS)/,
    );
  });

  it('serves the API metrics on their own port only when asked, never on the public one', () => {
    expect(loadConfig(minimal)).toMatchObject({ API_METRICS_CACHE_SECONDS: 10 });
    expect(loadConfig(minimal).API_METRICS_PORT).toBeUndefined();
    // Compose passes unset variables through as empty strings.
    expect(loadConfig({ ...minimal, API_METRICS_PORT: '' }).API_METRICS_PORT).toBeUndefined();
    expect(
      loadConfig({ ...minimal, API_METRICS_PORT: '9465', API_METRICS_CACHE_SECONDS: '0' }),
    ).toMatchObject({
      API_METRICS_PORT: 9465,
      API_METRICS_CACHE_SECONDS: 0,
    });
    expect(() => loadConfig({ ...minimal, API_METRICS_PORT: '3000' })).toThrow(
      'API_METRICS_PORT: must differ from API_PORT: the metrics stay off the public port',
    );
    expect(() => loadConfig({ ...minimal, API_METRICS_CACHE_SECONDS: '-1' })).toThrow(
      /API_METRICS_CACHE_SECONDS/,
    );
  });

  it('refuses webhooks without a secret and half an mTLS pair', () => {
    expect(() => loadConfig({ ...minimal, WEBHOOK_URLS: 'https://hooks.example/escrow' })).toThrow(
      /WEBHOOK_SECRET/,
    );
    expect(() => loadConfig({ ...minimal, TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/cert.pem' })).toThrow(
      /go together/,
    );
  });

  it('traces only with an OTLP endpoint, over HTTP/protobuf, and refuses what the exporter would not send', () => {
    expect(tracingEnabled(loadConfig(minimal))).toBe(false);
    // Compose passes unset variables through as empty.
    expect(tracingEnabled(loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: '' }))).toBe(false);
    expect(
      tracingEnabled(loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })),
    ).toBe(true);
    expect(
      tracingEnabled(
        loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example/v1/traces' }),
      ),
    ).toBe(true);
    expect(
      loadConfig({
        ...minimal,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      }),
    ).toMatchObject({ OTEL_TRACES_SAMPLER_ARG: 0.1 });
    expect(() =>
      loadConfig({
        ...minimal,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '10',
      }),
    ).toThrow(
      /(?=[\s\S]*OTEL_EXPORTER_OTLP_ENDPOINT: must be the base URL)(?=[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL: only http\/protobuf)(?=[\s\S]*OTEL_TRACES_SAMPLER:)(?=[\s\S]*OTEL_TRACES_SAMPLER_ARG: must be a ratio)/,
    );
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

  it('takes the client credentials of an identity provider, all three or none, and no API key beside them', () => {
    const oidc = {
      TEMPORAL_OIDC_TOKEN_URL: 'https://login.example/oauth/token',
      TEMPORAL_OIDC_CLIENT_ID: 'escrow-worker',
      TEMPORAL_OIDC_CLIENT_SECRET: 's3cret',
      TEMPORAL_OIDC_SCOPE: 'temporal',
    };
    // Plain unless TLS is configured: the SDK alone would turn TLS on for any bearer.
    expect(temporalConnectionSettings(loadConfig({ ...minimal, ...oidc }))).toEqual({
      address: '127.0.0.1:7233',
      tls: false,
      oidc: {
        tokenUrl: 'https://login.example/oauth/token',
        clientId: 'escrow-worker',
        clientSecret: 's3cret',
        scope: 'temporal',
        audience: undefined,
      },
    });
    // Compose passes unset variables as empty strings.
    expect(
      temporalConnectionSettings(
        loadConfig({
          ...minimal,
          TEMPORAL_OIDC_TOKEN_URL: '',
          TEMPORAL_OIDC_CLIENT_ID: '',
          TEMPORAL_OIDC_CLIENT_SECRET: '',
        }),
      ),
    ).toEqual({ address: '127.0.0.1:7233' });
    expect(() => loadConfig({ ...minimal, ...oidc, TEMPORAL_OIDC_CLIENT_SECRET: '' })).toThrow(/go together/);
    expect(() => loadConfig({ ...minimal, ...oidc, TEMPORAL_OIDC_TOKEN_URL: 'login.example' })).toThrow(
      /TEMPORAL_OIDC_TOKEN_URL/,
    );
    expect(() => loadConfig({ ...minimal, ...oidc, TEMPORAL_API_KEY: 'k' })).toThrow(/one bearer only/);
  });
});
