import { readFileSync } from 'node:fs';
import type { Metadata, TLSConfig } from '@temporalio/client';
import {
  type ClientConfigProfile,
  type LoadClientProfileOptions,
  loadClientConfigProfile,
  toClientOptions,
} from '@temporalio/envconfig';
import { z } from 'zod';
import { isSecretKey, parsePublicKeys } from '../workflows/rules/event-signature.js';
import type { Role } from './api-keys.js';
import { parseApiKeys } from './api-keys.js';
import { creditSettings } from './credit.js';
import {
  DEFAULT_BADGE_RATE_LIMIT_PER_MINUTE,
  DEFAULT_METRICS_CACHE_SECONDS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
} from './limits.js';
import { coveredMethods } from './payment-methods.js';
import { ProgramEnvShape, programProblems } from './program.js';
import type { ClientCredentials } from './temporal-token.js';
import {
  parseWebhookSecrets,
  WEBHOOK_SECRET_HINT,
  WEBHOOK_SECRET_PREFIX,
  webhookSecretKey,
} from './webhook-secrets.js';

/**
 * Workflows kept in a worker's memory between their tasks; an order evicted from the cache replays
 * its history (about a hundred events) on its next event or timer. An order costs about 3 MiB of
 * worker memory while cached (docs/bench): 100 kept the worker at ~700 MiB with 600 open orders,
 * 250 let it reach ~1.1 GiB.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
const HOST_PORT = /^[^:\s]+:\d+$/;

/** Empty counts as unset: compose files pass `VAR: ${VAR:-}` through. */
const unsetIfEmpty = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema);

/** A variable of an earlier release that would now be ignored: refused, naming its successor. */
const renamedTo = (name: string) =>
  unsetIfEmpty(
    z.undefined({
      error: `no longer read: set ${name} instead, the name the temporal CLI and the SDKs read (docs/operations.md#configuration)`,
    }),
  );

function otlpEndpoint(what: string) {
  return unsetIfEmpty(z.url({ protocol: /^https?$/, error: `must be ${what}` }).optional());
}

function otlpProtocol() {
  return unsetIfEmpty(
    z
      .literal('http/protobuf', { error: 'only http/protobuf is supported (port 4318 of a collector)' })
      .optional(),
  );
}

/**
 * Environment of the production processes, validated at start: a bad deployment fails at once
 * with every missing or malformed variable named, not at the first order. The connection to
 * Temporal (address, namespace, TLS, API key) is read by @temporalio/envconfig, from the
 * variables and profile file that the `temporal` CLI reads too; only what it cannot check is here.
 */
const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(HOST_PORT, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('escrow-orders'),
  // envconfig takes anything but 1 and true for false: a typo must not turn TLS off.
  TEMPORAL_TLS: unsetIfEmpty(
    z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional(),
  ),
  TEMPORAL_TLS_CERT_PATH: renamedTo('TEMPORAL_TLS_CLIENT_CERT_PATH'),
  TEMPORAL_TLS_KEY_PATH: renamedTo('TEMPORAL_TLS_CLIENT_KEY_PATH'),
  TEMPORAL_TLS_CA_PATH: renamedTo('TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
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
  // Standard Webhooks secrets, comma-separated, the newest first: each delivery is signed with all.
  WEBHOOK_SECRETS: unsetIfEmpty(
    z
      .string()
      .optional()
      .transform((v) => (v === undefined ? [] : parseWebhookSecrets(v)))
      .superRefine((secrets, ctx) => {
        // By position: a secret is never repeated into a log.
        const bad = secrets.flatMap((secret, i) => (webhookSecretKey(secret) ? [] : [i + 1]));
        if (bad.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `entry ${bad.join(', ')} refused: ${WEBHOOK_SECRET_HINT}`,
          });
        }
      }),
  ),
  // Deprecated, for one release: the secret of the old Escrow-Signature header (docs/api.md).
  WEBHOOK_SECRET: unsetIfEmpty(z.string().optional()),
  WEBHOOK_LEGACY_SIGNATURE: unsetIfEmpty(
    z
      .enum(['1', '0', 'true', 'false'], { error: 'must be 1 or 0' })
      .optional()
      .transform((v) => v === '1' || v === 'true'),
  ),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Prometheus metrics on a port of their own, as the worker's (WORKER_METRICS_PORT); none when unset.
  API_METRICS_PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  API_METRICS_CACHE_SECONDS: z.coerce.number().min(0).max(3600).default(DEFAULT_METRICS_CACHE_SECONDS),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_HOST: z.string().default('0.0.0.0'),
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
  // The Ed25519 key the API signs case dossiers with (docs/dossier.md#the-dossier-key).
  DOSSIER_SIGNING_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || isSecretKey(v), 'must be an Ed25519 private key (64 hex digits)'),
  DOSSIER_SIGNING_KEY_FILE: z.string().optional(),
  // One figure for every role; the per-role variables win over it; unset means the defaults of config/limits.ts.
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_MARKETPLACE: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_ARBITRATOR: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_UNDERWRITER: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_PER_MINUTE_READER: z.coerce.number().int().min(1).optional(),
  // The public badge: per client address, since it needs no key.
  RATE_LIMIT_PER_MINUTE_BADGE: z.coerce.number().int().min(1).default(DEFAULT_BADGE_RATE_LIMIT_PER_MINUTE),
  API_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(DEFAULT_UPSTREAM_TIMEOUT_MS),
  // OpenTelemetry's own variables (docs/operations.md#tracing), read by its exporter as well: traces
  // go out over OTLP/HTTP when an endpoint is set, and nothing is started when none is.
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint(
    'the base URL of an OTLP/HTTP receiver, e.g. http://collector:4318',
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpEndpoint(
    'the full URL of an OTLP/HTTP traces receiver, e.g. http://collector:4318/v1/traces',
  ),
  // The exporter speaks protobuf over HTTP only: a collector's gRPC port would refuse every batch.
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol(),
  OTEL_SERVICE_NAME: unsetIfEmpty(z.string().optional()),
  OTEL_TRACES_SAMPLER: unsetIfEmpty(
    z
      .enum([
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ])
      .optional(),
  ),
  OTEL_TRACES_SAMPLER_ARG: unsetIfEmpty(
    z.coerce.number().min(0).max(1, 'must be a ratio between 0 and 1').optional(),
  ),
  // The supplier program (docs/program.md#settings): the same on the API and the worker.
  ...ProgramEnvShape,
  // The credit lines (docs/credit.md#settings): read by the API, which starts the lines.
  CREDIT_LINE_LIMITS: unsetIfEmpty(z.string().optional()),
  CREDIT_VERIFICATION_TARGET: unsetIfEmpty(z.string().optional()),
  // The payment methods the program covers (docs/operations.md#configuration): read by the API.
  PAYMENT_METHODS_COVERED: unsetIfEmpty(z.string().optional()),
});
type EnvConfig = z.output<typeof EnvSchema>;

/** The connection to Temporal as resolved from the variables and the selected profile. */
export interface TemporalSettings {
  /** envconfig's profile, its files not read yet. */
  profile: ClientConfigProfile;
  /** Tokens of the identity provider (TEMPORAL_OIDC_*), sent as the bearer. */
  oidc?: ClientCredentials;
}

export type Config = Omit<EnvConfig, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & {
  /** From TEMPORAL_ADDRESS, else the profile, else 127.0.0.1:7233. */
  TEMPORAL_ADDRESS: string;
  /** From TEMPORAL_NAMESPACE, else the profile, else `default`. */
  TEMPORAL_NAMESPACE: string;
  temporal: TemporalSettings;
};

export interface LoadConfigOptions {
  /**
   * `npm start`: its own dev server, or TEMPORAL_ADDRESS, in plain gRPC. No profile file is read
   * (a developer's default profile of the `temporal` CLI may point at a cloud namespace), nor TLS,
   * key or OIDC settings.
   */
  addressOnly?: boolean;
}

/** A deployment mistake, not a bug: its message lists every problem and no stack helps. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const parsed = result.data;
  const problems = [...webhookProblems(parsed), ...programProblems(parsed).map((p) => `  ${p}`)];
  try {
    creditSettings(parsed);
  } catch (err) {
    problems.push(`  CREDIT_LINE_LIMITS / CREDIT_VERIFICATION_TARGET: ${(err as Error).message}`);
  }
  try {
    coveredMethods(parsed.PAYMENT_METHODS_COVERED);
  } catch (err) {
    problems.push(`  PAYMENT_METHODS_COVERED: ${(err as Error).message}`);
  }
  if (parsed.API_METRICS_PORT === parsed.API_PORT) {
    problems.push('  API_METRICS_PORT: must differ from API_PORT: the metrics stay off the public port');
  }
  const temporal = options.addressOnly
    ? { profile: { address: parsed.TEMPORAL_ADDRESS, namespace: parsed.TEMPORAL_NAMESPACE } }
    : temporalSettings(parsed, env, problems);
  const address = temporal.profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!HOST_PORT.test(address)) {
    problems.push(`  TEMPORAL_ADDRESS: the profile's address ${address} must be host:port`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return {
    ...parsed,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: temporal.profile.namespace ?? 'default',
    temporal,
  };
}

function webhookProblems(config: EnvConfig): string[] {
  const problems: string[] = [];
  if (config.WEBHOOK_SECRET && !config.WEBHOOK_LEGACY_SIGNATURE) {
    problems.push(
      `  WEBHOOK_SECRET: replaced by WEBHOOK_SECRETS, secrets of Standard Webhooks (make one with: echo "${WEBHOOK_SECRET_PREFIX}$(openssl rand -base64 32)"; ` +
        'docs/api.md#upgrading-from-escrow-signature). To send the deprecated Escrow-Signature header for one more release, ' +
        'keep WEBHOOK_SECRET beside WEBHOOK_SECRETS and set WEBHOOK_LEGACY_SIGNATURE=1',
    );
  }
  if (config.WEBHOOK_LEGACY_SIGNATURE && (config.WEBHOOK_SECRET?.length ?? 0) < 16) {
    problems.push(
      '  WEBHOOK_SECRET: at least 16 characters, required with WEBHOOK_LEGACY_SIGNATURE=1: the old secret the Escrow-Signature header is signed with',
    );
  }
  const receivers = [
    ...(config.WEBHOOK_URLS.length > 0 ? ['WEBHOOK_URLS'] : []),
    ...(config.ARBITRATION_WEBHOOK_URL ? ['ARBITRATION_WEBHOOK_URL'] : []),
  ];
  if (receivers.length > 0 && config.WEBHOOK_SECRETS.length === 0) {
    problems.push(
      `  WEBHOOK_SECRETS: required with ${receivers.join(' and ')}: comma-separated, the newest first; ${WEBHOOK_SECRET_HINT}`,
    );
  }
  return problems;
}

/**
 * The Temporal connection through @temporalio/envconfig: the profile TEMPORAL_PROFILE names
 * (`default` otherwise) of the TOML file TEMPORAL_CONFIG_FILE names (the CLI's default file
 * otherwise, when it exists), each of its settings overridden by its TEMPORAL_* variable.
 */
function temporalSettings(config: EnvConfig, env: NodeJS.ProcessEnv, problems: string[]): TemporalSettings {
  // Empty counts as unset, as for every other variable; envconfig would take an empty API key for
  // a key and turn TLS on. An empty TEMPORAL_GRPC_META_* removes a profile's header, as in the CLI.
  const vars = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && (entry[1] !== '' || entry[0].startsWith('TEMPORAL_GRPC_META_')),
    ),
  );
  const profile = loadProfile(vars, problems);
  if (Boolean(profile.tls?.clientCert) !== Boolean(profile.tls?.clientKey)) {
    problems.push(
      "  TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together (or the profile's tls.client_cert_* and tls.client_key_*)",
    );
  }
  const oidc = [
    config.TEMPORAL_OIDC_TOKEN_URL,
    config.TEMPORAL_OIDC_CLIENT_ID,
    config.TEMPORAL_OIDC_CLIENT_SECRET,
  ];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    problems.push(
      '  TEMPORAL_OIDC_TOKEN_URL, TEMPORAL_OIDC_CLIENT_ID and TEMPORAL_OIDC_CLIENT_SECRET go together',
    );
  }
  if (oidc.some(Boolean) && profile.apiKey) {
    problems.push(
      "  TEMPORAL_API_KEY (or the profile's api_key) and TEMPORAL_OIDC_*: one bearer only, either a fixed key or tokens from the provider",
    );
  }
  if (
    !(config.TEMPORAL_OIDC_TOKEN_URL && config.TEMPORAL_OIDC_CLIENT_ID && config.TEMPORAL_OIDC_CLIENT_SECRET)
  ) {
    return { profile };
  }
  return {
    profile,
    oidc: {
      tokenUrl: config.TEMPORAL_OIDC_TOKEN_URL,
      clientId: config.TEMPORAL_OIDC_CLIENT_ID,
      clientSecret: config.TEMPORAL_OIDC_CLIENT_SECRET,
      scope: config.TEMPORAL_OIDC_SCOPE,
      audience: config.TEMPORAL_OIDC_AUDIENCE,
    },
  };
}

/** The API's rate limits per role as configured; roles left out keep their defaults. */
export function rateLimitsPerMinute(config: Config): Partial<Record<Role, number>> {
  const limits: Partial<Record<Role, number>> = {};
  for (const [role, value] of [
    ['marketplace', config.RATE_LIMIT_PER_MINUTE_MARKETPLACE],
    ['arbitrator', config.RATE_LIMIT_PER_MINUTE_ARBITRATOR],
    ['underwriter', config.RATE_LIMIT_PER_MINUTE_UNDERWRITER],
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
  options: LoadConfigOptions = {},
): Config {
  const problems = required.filter((r) => !env[r.name]).map((r) => `  ${r.name}: ${r.hint}`);
  let config: Config | undefined;
  try {
    config = loadConfig(env, options);
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

/** The API's private key for signing case dossiers: DOSSIER_SIGNING_KEY or DOSSIER_SIGNING_KEY_FILE. */
export function dossierSigningKey(config: Config): string {
  const key = (
    config.DOSSIER_SIGNING_KEY ??
    (config.DOSSIER_SIGNING_KEY_FILE && readFileSync(config.DOSSIER_SIGNING_KEY_FILE, 'utf8')) ??
    ''
  )
    .trim()
    .toLowerCase();
  if (!isSecretKey(key)) {
    throw new ConfigError(
      'invalid configuration:\n  DOSSIER_SIGNING_KEY: required: the Ed25519 private key (64 hex digits) the API signs case dossiers with (docs/dossier.md#the-dossier-key)',
    );
  }
  return key;
}

/** envconfig's profile; none, and a problem, when the file named or the profile named is not there. */
function loadProfile(vars: Record<string, string>, problems: string[]): ClientConfigProfile {
  const file = vars.TEMPORAL_CONFIG_FILE;
  let source: LoadClientProfileOptions = {};
  if (file !== undefined) {
    let data: string;
    try {
      // envconfig takes a missing file for an empty one: a mistyped path must not go unnoticed.
      data = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`  TEMPORAL_CONFIG_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
      return {};
    }
    // An empty file (TEMPORAL_CONFIG_FILE=/dev/null) holds no profile: the variables alone count.
    source = data.trim() === '' ? { disableFile: true } : { configSource: { data } };
  }
  try {
    return loadClientConfigProfile({ ...source, overrideEnvVars: vars });
  } catch (err) {
    const where = file ?? "the temporal CLI's default file";
    const missing = /^Profile '(.*)' not found/.exec((err as Error).message);
    problems.push(
      missing
        ? `  TEMPORAL_PROFILE: no profile ${missing[1]} in ${where}`
        : // The first line: the TOML parser's excerpt of the file would break the list of problems.
          `  ${file ? 'TEMPORAL_CONFIG_FILE' : 'TEMPORAL_PROFILE'}: cannot read the profile from ${where}: ${(err as Error).message.split('\n')[0]}`,
    );
    return {};
  }
}

export interface TemporalConnectionSettings {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** gRPC headers of the profile (grpc_meta) and of TEMPORAL_GRPC_META_*. */
  metadata?: Metadata;
  /** Tokens from the identity provider (startTokenSource), sent as the bearer instead of apiKey. */
  oidc?: ClientCredentials;
}

/**
 * The options of every connection the engine opens to Temporal (Connection and NativeConnection
 * alike): mTLS (self-hosted or Temporal Cloud), an API key (Temporal Cloud, TLS on), or tokens
 * of the identity provider (self-hosted with JWT authorization, over TLS when configured); plain
 * otherwise. Reads the TLS files, so a file that cannot be read is a ConfigError.
 */
export function temporalConnectionSettings(config: Config): TemporalConnectionSettings {
  const { profile, oidc } = config.temporal;
  let options: ReturnType<typeof toClientOptions>['connectionOptions'];
  try {
    options = toClientOptions(profile).connectionOptions;
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  TEMPORAL_TLS_*: ${(err as Error).message}`);
  }
  const settings: TemporalConnectionSettings = { address: config.TEMPORAL_ADDRESS };
  if (typeof options.tls === 'object' && options.tls !== null) {
    settings.tls = Object.fromEntries(Object.entries(options.tls).filter(([, v]) => v !== undefined));
  } else if (typeof options.tls === 'boolean') settings.tls = options.tls;
  if (options.apiKey) settings.apiKey = options.apiKey as string;
  if (options.metadata && Object.keys(options.metadata).length > 0) settings.metadata = options.metadata;
  if (oidc) {
    settings.oidc = oidc;
    // The SDK turns TLS on whenever a bearer is set; here it follows the TLS settings alone.
    settings.tls ??= false;
  }
  return settings;
}

/** The webhook settings of the worker: WebhookSettings of activities/webhook-delivery.ts. */
export function webhookSettings(config: Config): {
  urls: string[];
  secrets: string[];
  legacySecret?: string;
} {
  return {
    urls: config.WEBHOOK_URLS,
    secrets: config.WEBHOOK_SECRETS,
    ...(config.WEBHOOK_LEGACY_SIGNATURE && config.WEBHOOK_SECRET
      ? { legacySecret: config.WEBHOOK_SECRET }
      : {}),
  };
}
