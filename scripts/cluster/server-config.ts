import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * The Temporal server's configuration for a self-hosted cluster on PostgreSQL, built from options
 * rather than kept as a template: a deployment (or a test) changes one option, and a later
 * concern, authorization for instance, becomes one more option and one more section here.
 */

/**
 * Start order: history and matching before the frontends that route to them. With authorization
 * on, Temporal's own worker service (retention, batch operations) holds no token: it reaches the
 * cluster through the `internal-frontend`, found through membership. That one maps every caller
 * to admin (no claim mapper): like history and matching it must never be reachable from outside
 * the cluster's network. Without it, 1.29 with an authorizer refuses to start.
 */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'internal-frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface ServicePorts {
  grpc: number;
  membership: number;
}

export interface ServerConfigOptions {
  postgres: { host: string; port: number; user: string; password: string };
  ports: Record<TemporalService, ServicePorts> & { frontendHttp: number };
  /** Fixed at the first start of a cluster: changing it later needs a new database. */
  numHistoryShards: number;
  /** Connections per service process to each database: the PostgreSQL budget is 4x their sum. */
  maxConns: { temporal: number; visibility: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** JWT authorization of every call to the frontend: the identity provider's keys. */
  authorization: { jwksUri: string };
}

/**
 * Roles come from the tokens' `permissions` claim, `<namespace>:<role>` (`default:write`,
 * `temporal-system:admin`), read by the server's default claim mapper and checked by its default
 * authorizer: read < write < admin per namespace. (Its `worker` role ranks below `read`: pollers
 * need `write`.)
 */
export const PERMISSIONS_CLAIM = 'permissions';

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';
const CLUSTER_NAME = 'active';
const HOST = '127.0.0.1';

/** Where `server --root <root> --config config --env <env>` reads it (see writeServerConfig). */
export const SERVER_CONFIG_DIR = 'config';
export const SERVER_CONFIG_ENV = 'cluster';

function sqlStore(options: ServerConfigOptions, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${options.postgres.host}:${options.postgres.port}`,
      connectProtocol: 'tcp',
      user: options.postgres.user,
      password: options.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

export function serverConfig(options: ServerConfigOptions, dynamicConfigPath: string) {
  const service = (name: TemporalService, extra: Record<string, number> = {}) => ({
    rpc: {
      grpcPort: options.ports[name].grpc,
      membershipPort: options.ports[name].membership,
      bindOnIP: HOST,
      ...extra,
    },
  });
  return {
    log: { stdout: true, level: options.logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.numHistoryShards,
      datastores: {
        'postgres-default': sqlStore(options, TEMPORAL_DATABASE, options.maxConns.temporal),
        'postgres-visibility': sqlStore(options, VISIBILITY_DATABASE, options.maxConns.visibility),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: HOST },
      authorization: {
        jwtKeyProvider: {
          keySourceURIs: [options.authorization.jwksUri],
          // A rotated signing key is picked up within a minute.
          refreshInterval: '1m',
        },
        permissionsClaimName: PERMISSIONS_CLAIM,
        authorizer: 'default',
        claimMapper: 'default',
      },
    },
    services: {
      frontend: service('frontend', { httpPort: options.ports.frontendHttp }),
      'internal-frontend': service('internal-frontend'),
      history: service('history'),
      matching: service('matching'),
      worker: service('worker'),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: CLUSTER_NAME,
      currentClusterName: CLUSTER_NAME,
      clusterInformation: {
        [CLUSTER_NAME]: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${HOST}:${options.ports.frontend.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigPath, pollInterval: '10s' },
  };
}

/** The engine relies on Workflow Updates: pinned on so that a change of default cannot break it. */
const DYNAMIC_CONFIG = {
  'frontend.enableUpdateWorkflowExecution': [{ value: true, constraints: {} }],
};

/** Writes `<root>/config/cluster.yaml` and its dynamic config; returns the server's arguments. */
export function writeServerConfig(root: string, options: ServerConfigOptions): string[] {
  const dir = join(root, SERVER_CONFIG_DIR);
  mkdirSync(dir, { recursive: true });
  const dynamicConfigPath = join(dir, 'dynamic-config.yaml');
  writeFileSync(dynamicConfigPath, stringify(DYNAMIC_CONFIG));
  writeFileSync(
    join(dir, `${SERVER_CONFIG_ENV}.yaml`),
    `# Written by scripts/cluster/server-config.ts on every start: edit the options there.\n${stringify(
      serverConfig(options, dynamicConfigPath),
    )}`,
  );
  // `--config` is joined to `--root` (an absolute path silently becomes relative). These flags are
  // deprecated in 1.32 for `--config-file`, which 1.29.1, the first release of the upgrade path, lacks.
  return ['--root', root, '--config', SERVER_CONFIG_DIR, '--env', SERVER_CONFIG_ENV];
}

export interface UiConfigOptions {
  frontendAddress: string;
  port: number;
  namespace: string;
  /** Arbitrators log in through this OpenID provider; without it the UI has no login (loopback only). */
  oidc?: UiOidcOptions;
}

export interface UiOidcOptions {
  /** The issuer: the UI reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `<the UI's public URL>/auth/sso/callback`, registered with the provider. */
  callbackUrl: string;
}

/**
 * Arbitrators decide with the `arbitrate` Update: Reset, Terminate, Cancel, Start and batch and
 * activity actions are hidden (docker-compose.yml sets the same through TEMPORAL_*_DISABLED).
 * Signal stays: UI 2.42.1 disables the whole More Actions menu, Send an Update with it, when Reset,
 * Signal and Terminate are all disabled (`actionsDisabled` in workflow-actions.svelte); the order's
 * one signal, `reviewDeadlines`, only makes it look at its deadlines again. Hidden only: the UI
 * server forwards such calls anyway; the gate in front of it (gate/ui-gate.ts) refuses them.
 */
export const UI_ACTIONS_DISABLED = {
  workflowTerminateDisabled: true,
  workflowCancelDisabled: true,
  workflowSignalDisabled: false,
  workflowResetDisabled: true,
  batchActionsDisabled: true,
  startWorkflowDisabled: true,
  activityCommandsDisabled: true,
} as const;

/** The Web UI server's configuration: `<root>/config/cluster.yaml`; returns its arguments. */
export function writeUiConfig(root: string, options: UiConfigOptions): string[] {
  const dir = join(root, SERVER_CONFIG_DIR);
  mkdirSync(dir, { recursive: true });
  const config = {
    temporalGrpcAddress: options.frontendAddress,
    host: HOST,
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    // Plain http on 127.0.0.1, as the CLI's dev server serves it; behind TLS this goes.
    cors: { cookieInsecure: true },
    hideLogs: true,
    ...UI_ACTIONS_DISABLED,
    auth: options.oidc
      ? {
          enabled: true,
          providers: [
            {
              label: 'sso',
              type: 'oidc',
              providerUrl: options.oidc.issuer,
              clientId: options.oidc.clientId,
              clientSecret: options.oidc.clientSecret,
              callbackUrl: options.oidc.callbackUrl,
              scopes: ['openid', 'profile', 'email'],
              // The server authorizes the person, not the UI: their ID token (with its
              // `permissions` claim) is the bearer of every call the UI makes for them.
              useIdTokenAsBearer: true,
            },
          ],
        }
      : { enabled: false },
  };
  writeFileSync(join(dir, `${SERVER_CONFIG_ENV}.yaml`), stringify(config));
  return ['--root', root, '--config', SERVER_CONFIG_DIR, '--env', SERVER_CONFIG_ENV, 'start'];
}
