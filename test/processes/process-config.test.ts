import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.js';
import { TEST_EVENT_KEYS } from '../support/event-keys.js';

const ROOT = join(import.meta.dirname, '../..');

/** `npm run <script>` as an operator would type it, with only the given environment. */
function npmRun(script: string, env: Record<string, string>) {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('production processes with a bad configuration fail like tools', () => {
  it.each([
    ['worker', {}, ['  DATABASE_URL: required: a postgres:// URL']],
    [
      'api',
      { DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow' },
      ['  API_KEYS: required: comma-separated role:key entries (docs/api.md#api-keys-and-roles)'],
    ],
    [
      'api',
      { TEMPORAL_ADDRESS: 'no-port', API_KEYS: 'root:key' },
      [
        '  TEMPORAL_ADDRESS: must be host:port',
        '  DATABASE_URL: required: a postgres:// URL',
        '  API_KEYS: ',
      ],
    ],
    [
      'worker',
      {
        DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
        TEMPORAL_TLS_CERT_PATH: '/etc/escrow/client.pem',
        TEMPORAL_TLS_KEY_PATH: '/etc/escrow/client.key',
      },
      [
        '  TEMPORAL_TLS_CERT_PATH: no longer read: set TEMPORAL_TLS_CLIENT_CERT_PATH instead',
        '  TEMPORAL_TLS_KEY_PATH: no longer read: set TEMPORAL_TLS_CLIENT_KEY_PATH instead',
      ],
    ],
    [
      'api',
      {
        DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
        API_KEYS: 'marketplace:compose-marketplace-key',
        TEMPORAL_CONFIG_FILE: '/dev/null',
        TEMPORAL_TLS_CA_PATH: '/etc/escrow/ca.pem',
      },
      ['  TEMPORAL_TLS_CA_PATH: no longer read: set TEMPORAL_TLS_SERVER_CA_CERT_PATH instead'],
    ],
    [
      'worker',
      {
        DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
        TEMPORAL_CONFIG_FILE: '/dev/null',
        WEBHOOK_URLS: 'https://hooks.example/escrow',
        WEBHOOK_SECRET: 'the-secret-of-the-last-release',
      },
      [
        '  WEBHOOK_SECRET: replaced by WEBHOOK_SECRETS, secrets of Standard Webhooks (make one with: echo "whsec_$(openssl rand -base64 32)"',
        '  WEBHOOK_SECRETS: required with WEBHOOK_URLS: ',
      ],
    ],
    [
      'worker',
      {
        DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
        ARBITRATION_WEBHOOK_URL: 'https://pager.example/notices',
        WEBHOOK_SECRETS: 'not-a-whsec-secret',
      },
      [
        '  WEBHOOK_SECRETS: entry 1 refused: each must be whsec_ followed by the base64 of 24 to 64 random bytes',
      ],
    ],
    [
      'api',
      {
        DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
        API_KEYS: 'marketplace:compose-marketplace-key',
        TEMPORAL_CONFIG_FILE: '/dev/null',
        EVENT_SIGNING_KEY: 'a'.repeat(64),
      },
      [
        '  DOSSIER_SIGNING_KEY: required: the Ed25519 private key (64 hex digits) the API signs case dossiers with',
      ],
    ],
    [
      'worker',
      {
        DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
        TEMPORAL_CONFIG_FILE: join(ROOT, 'no-such-temporal.toml'),
      },
      [`  TEMPORAL_CONFIG_FILE: cannot read ${join(ROOT, 'no-such-temporal.toml')}: ENOENT`],
    ],
  ])('npm run %s with %j prints the list of problems and exits 1', async (script, env, problems) => {
    const run = await npmRun(script, env);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('invalid configuration:');
    expect(lines).toHaveLength(problems.length + 1);
    problems.forEach((problem, i) => {
      expect(lines[i + 1]?.startsWith(problem)).toBe(true);
    });
    // No stack trace, no source excerpt of the line that threw.
    expect(run.stderr).not.toMatch(/^\s+at |throw |Error:|\^/m);
  });

  it('npm run worker that cannot get its Temporal token says why and exits 1, before touching anything else', async () => {
    // A port nothing listens on (fetch refuses port 1 outright, with another message).
    const tokenUrl = `http://127.0.0.1:${await freePort()}/token`;
    const run = await npmRun('worker', {
      // Nothing listens there: had the worker gone on, it would fail on the database instead.
      DATABASE_URL: 'postgres://escrow@127.0.0.1:1/escrow',
      EVENT_PUBLIC_KEYS: TEST_EVENT_KEYS.publicKey,
      TEMPORAL_OIDC_TOKEN_URL: tokenUrl,
      TEMPORAL_OIDC_CLIENT_ID: 'escrow-worker',
      TEMPORAL_OIDC_CLIENT_SECRET: 'secret',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'no Temporal access token:',
      `  token request of client escrow-worker at ${tokenUrl} failed: ECONNREFUSED`,
    ]);
  });
});
