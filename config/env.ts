import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isSecretKey, parsePublicKeys } from '../workflows/rules/event-signature.js';
import type { Role } from './api-keys.js';
import { parseApiKeys } from './api-keys.js';
import { DEFAULT_METRICS_CACHE_SECONDS, DEFAULT_UPSTREAM_TIMEOUT_MS } from './limits.js';
import type { ClientCredentials } from './temporal-token.js';

/**
 * Workflows kept in a worker's memory between their tasks; an order evicted from the cache replays
 * its history (about a hundred events) on its next event or timer. An order costs about 3 MiB of
 * worker memory while cached (docs/bench): 100 kept the worker at ~700 MiB with 600 open orders,
 * 250 let it reach ~1.1 GiB.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/**
 * Environment of the production processes, validated at start: a bad deployment fails at once
 * with every missing or malformed variable named, not at the first order.
 */
const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('escrow-orders'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  // A cluster that authorizes with JWTs: the engine's client-credentials grant at the identity
  // provider (config/temporal-token.ts). Empty counts as unset: compose files pass `${VAR:-}`.
  TEMPORAL_OIDC_TOKEN_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the token endpoint' }).optional(),
  ),
  TEMPORAL_OIDC_CLIENT_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  TEMPORAL_OIDC_CLIENT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  TEMPORAL_OIDC_SCOPE: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  TEMPORAL_OIDC_AUDIENCE: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  DATABASE_URL: z
    .string({ error: 'required: a postgres:// URL' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(1).optional(),
  // Open orders wait for weeks: the cache, not their number, must bound the worker's memory.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(DEFAULT_MAX_CACHED_WORKFLOWS),
  // Empty counts as unset: compose files pass `VAR: ${VAR:-}` through.
  ARBITRATION_WEBHOOK_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ),
  WEBHOOK_URLS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'each entry must be an http(s) URL' }))),
  WEBHOOK_SECRET: z.string().optional(),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_HOST: z.string().default('0.0.0.0'),
  // Prometheus metrics on a port of their own, as the worker's (WORKER_METRICS_PORT); none when unset.
  API_METRICS_PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  API_METRICS_CACHE_SECONDS: z.coerce.number().min(0).max(3600).default(DEFAULT_METRICS_CACHE_SECONDS),
  API_KEYS: z
    .string()
    .optional()
    .superRefine((spec, ctx) => {
      if (spec === undefined) return;
      try {
        parseApiKeys(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  // Ed25519 keys of the marketplace events (docs/operations.md#signed-events): the workers hold the public
  // keys (two while rotating), the API alone the private key.
  EVENT_PUBLIC_KEYS: z
    .string()
    .optional()
    .superRefine((spec, ctx) => {
      if (spec === undefined) return;
      try {
        parsePublicKeys(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  EVENT_PUBLIC_KEYS_FILE: z.string().optional(),
  EVENT_SIGNING_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || isSecretKey(v), 'must be an Ed25519 private key (64 hex digits)'),
  EVENT_SIGNING_KEY_FILE: z.string().optional(),
  // One figure for every role; the per-role variables win over it; unset means the defaults of config/limits.ts.
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_MARKETPLACE: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_ARBITRATOR: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_READER: z.coerce.number().int().min(1).optional(),
  API_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(DEFAULT_UPSTREAM_TIMEOUT_MS),
});
export type Config = z.output<typeof EnvSchema>;

/** A deployment mistake, not a bug: its message lists every problem and no stack helps. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  if (config.WEBHOOK_URLS.length > 0 && (config.WEBHOOK_SECRET?.length ?? 0) < 16) {
    throw new ConfigError(
      'invalid configuration:\n  WEBHOOK_SECRET: at least 16 characters, required with WEBHOOK_URLS',
    );
  }
  if (config.API_METRICS_PORT === config.API_PORT) {
    throw new ConfigError(
      'invalid configuration:\n  API_METRICS_PORT: must differ from API_PORT: the metrics stay off the public port',
    );
  }
  if (Boolean(config.TEMPORAL_TLS_CERT_PATH) !== Boolean(config.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError(
      'invalid configuration:\n  TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
    );
  }
  const oidc = [
    config.TEMPORAL_OIDC_TOKEN_URL,
    config.TEMPORAL_OIDC_CLIENT_ID,
    config.TEMPORAL_OIDC_CLIENT_SECRET,
  ];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    throw new ConfigError(
      'invalid configuration:\n  TEMPORAL_OIDC_TOKEN_URL, TEMPORAL_OIDC_CLIENT_ID and TEMPORAL_OIDC_CLIENT_SECRET go together',
    );
  }
  if (oidc.some(Boolean) && config.TEMPORAL_API_KEY) {
    throw new ConfigError(
      'invalid configuration:\n  TEMPORAL_API_KEY and TEMPORAL_OIDC_*: one bearer only, either a fixed key or tokens from the provider',
    );
  }
  return config;
}

/** The API's rate limits per role as configured; roles left out keep their defaults. */
export function rateLimitsPerMinute(config: Config): Partial<Record<Role, number>> {
  const limits: Partial<Record<Role, number>> = {};
  for (const [role, value] of [
    ['marketplace', config.RATE_LIMIT_PER_MINUTE_MARKETPLACE],
    ['arbitrator', config.RATE_LIMIT_PER_MINUTE_ARBITRATOR],
    ['reader', config.RATE_LIMIT_PER_MINUTE_READER],
  ] as const) {
    const limit = value ?? config.RATE_LIMIT_PER_MINUTE;
    if (limit !== undefined) limits[role] = limit;
  }
  return limits;
}

/**
 * For the production entry points: a bad configuration prints every problem (including the
 * variables this process requires on top of the schema) and exits 1, like a command-line tool,
 * instead of crashing with a stack trace around the list.
 */
export function loadConfigOrExit(
  env: NodeJS.ProcessEnv = process.env,
  required: { name: keyof Config; hint: string }[] = [],
): Config {
  const problems = required.filter((r) => !env[r.name]).map((r) => `  ${r.name}: ${r.hint}`);
  let config: Config | undefined;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.unshift(...err.message.split('\n').slice(1));
  }
  if (!config || problems.length > 0) {
    console.error(`invalid configuration:\n${problems.join('\n')}`);
    process.exit(1);
  }
  return config;
}

/** For the entry points: a ConfigError from `read` is printed like loadConfigOrExit's, then exit 1. */
export function orExit<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

/** The public keys a worker accepts on marketplace events: EVENT_PUBLIC_KEYS or EVENT_PUBLIC_KEYS_FILE. */
export function eventPublicKeys(config: Config): string[] {
  const spec =
    config.EVENT_PUBLIC_KEYS ??
    (config.EVENT_PUBLIC_KEYS_FILE && readFileSync(config.EVENT_PUBLIC_KEYS_FILE, 'utf8'));
  const keys = spec ? parsePublicKeys(spec) : [];
  if (keys.length === 0) {
    throw new ConfigError(
      "invalid configuration:\n  EVENT_PUBLIC_KEYS: required: the API's Ed25519 public key(s), hex, comma-separated (docs/operations.md#signed-events)",
    );
  }
  return keys;
}

/** The API's private key for signing marketplace events: EVENT_SIGNING_KEY or EVENT_SIGNING_KEY_FILE. */
export function eventSigningKey(config: Config): string {
  const key = (
    config.EVENT_SIGNING_KEY ??
    (config.EVENT_SIGNING_KEY_FILE && readFileSync(config.EVENT_SIGNING_KEY_FILE, 'utf8')) ??
    ''
  )
    .trim()
    .toLowerCase();
  if (!isSecretKey(key)) {
    throw new ConfigError(
      'invalid configuration:\n  EVENT_SIGNING_KEY: required: the Ed25519 private key (64 hex digits) the API signs events with (docs/operations.md#signed-events)',
    );
  }
  return key;
}

export interface TemporalConnectionSettings {
  address: string;
  tls?:
    | {
        clientCertPair?: { crt: Buffer; key: Buffer };
        serverRootCACertificate?: Buffer;
        serverNameOverride?: string;
      }
    | boolean;
  apiKey?: string;
  /** Tokens from the identity provider (startTokenSource), sent as the bearer instead of apiKey. */
  oidc?: ClientCredentials;
}

/**
 * mTLS (self-hosted or Temporal Cloud), an API key (Temporal Cloud), or tokens of the identity
 * provider (self-hosted with JWT authorization, over TLS when configured); plain otherwise.
 */
export function temporalConnectionSettings(config: Config): TemporalConnectionSettings {
  const settings: TemporalConnectionSettings = { address: config.TEMPORAL_ADDRESS };
  if (config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH) {
    settings.tls = {
      clientCertPair: {
        crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH),
        key: readFileSync(config.TEMPORAL_TLS_KEY_PATH),
      },
      serverRootCACertificate: config.TEMPORAL_TLS_CA_PATH
        ? readFileSync(config.TEMPORAL_TLS_CA_PATH)
        : undefined,
      serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
    };
  }
  if (config.TEMPORAL_API_KEY) {
    settings.apiKey = config.TEMPORAL_API_KEY;
    settings.tls ??= true;
  }
  if (
    config.TEMPORAL_OIDC_TOKEN_URL &&
    config.TEMPORAL_OIDC_CLIENT_ID &&
    config.TEMPORAL_OIDC_CLIENT_SECRET
  ) {
    settings.oidc = {
      tokenUrl: config.TEMPORAL_OIDC_TOKEN_URL,
      clientId: config.TEMPORAL_OIDC_CLIENT_ID,
      clientSecret: config.TEMPORAL_OIDC_CLIENT_SECRET,
      scope: config.TEMPORAL_OIDC_SCOPE,
      audience: config.TEMPORAL_OIDC_AUDIENCE,
    };
    // The SDK turns TLS on whenever a bearer is set; here it follows the TLS settings alone.
    settings.tls ??= false;
  }
  return settings;
}
