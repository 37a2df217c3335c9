import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/env.js';

/** No Docker engine runs here, so the deployment files are checked for what a `docker compose up` needs. */
const root = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
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
}

/** Compose substitutes `${VAR:-default}`; the test takes the default, as an unconfigured host would. */
const substituted = (env: Record<string, string> = {}) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
  ) as NodeJS.ProcessEnv;

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('has the whole topology', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'postgres', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
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

  it('publishes the ports the README names', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published).toEqual(expect.arrayContaining(['3000:3000', '8080:8080', '7233:7233']));
    expect(readme).toContain('http://localhost:3000');
    expect(readme).toContain('http://localhost:8080');
    expect(readme).toContain('docker compose up');
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
