import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, temporalConnectionSettings } from '../../config/env.js';

const minimal = { DATABASE_URL: 'postgres://escrow:escrow@db:5432/escrow' };

/**
 * A profile file as `temporal config set` writes it, with the certificate files it names, in a
 * directory of its own.
 */
const dir = mkdtempSync(join(tmpdir(), 'temporal-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const profiles = file(
  'temporal.toml',
  `[profile.default]
address = "temporal.internal:7233"

[profile.prod]
address = "frontend.prod.internal:7233"
namespace = "escrow-prod"

[profile.prod.tls]
client_cert_path = "${cert}"
client_key_path = "${key}"
server_ca_cert_path = "${ca}"
server_name = "frontend.prod"

[profile.cloud]
address = "eu-west-1.aws.api.temporal.io:7233"
namespace = "escrow.a1b2c"
api_key = "cloud-api-key"

[profile.half]
address = "frontend.prod.internal:7233"

[profile.half.tls]
client_cert_path = "${cert}"
`,
);

const bytes = (path: string) => new Uint8Array(readFileSync(path));

const settingsOf = (env: Record<string, string>) => {
  const config = loadConfig({ ...minimal, ...env });
  return { namespace: config.TEMPORAL_NAMESPACE, ...temporalConnectionSettings(config) };
};

describe('the Temporal connection through @temporalio/envconfig', () => {
  it('takes address, namespace and mTLS from the profile TEMPORAL_PROFILE names in TEMPORAL_CONFIG_FILE', () => {
    expect(settingsOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'prod' })).toEqual({
      namespace: 'escrow-prod',
      address: 'frontend.prod.internal:7233',
      tls: {
        clientCertPair: { crt: bytes(cert), key: bytes(key) },
        serverRootCACertificate: bytes(ca),
        serverNameOverride: 'frontend.prod',
      },
    });
  });

  it("turns TLS on for a profile's API key (Temporal Cloud)", () => {
    expect(settingsOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'cloud' })).toEqual({
      namespace: 'escrow.a1b2c',
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'cloud-api-key',
      tls: true,
    });
  });

  it('lets each variable override its setting of the profile', () => {
    expect(
      settingsOf({
        TEMPORAL_CONFIG_FILE: profiles,
        TEMPORAL_PROFILE: 'prod',
        TEMPORAL_ADDRESS: 'frontend.dr.internal:7233',
        TEMPORAL_NAMESPACE: 'escrow-dr',
        TEMPORAL_TLS: 'false',
      }),
    ).toEqual({ namespace: 'escrow-dr', address: 'frontend.dr.internal:7233', tls: false });
    expect(
      settingsOf({
        TEMPORAL_CONFIG_FILE: profiles,
        TEMPORAL_PROFILE: 'prod',
        TEMPORAL_TLS_SERVER_NAME: 'other',
      }).tls,
    ).toMatchObject({ serverNameOverride: 'other' });
  });

  it('reads the default profile of the file the temporal CLI reads when nothing names one', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'temporalio', 'temporal.toml'),
      '[profile.default]\nnamespace = "mine"\n',
    );
    expect(settingsOf({ HOME: home })).toEqual({ namespace: 'mine', address: '127.0.0.1:7233' });
    // TEMPORAL_CONFIG_FILE=/dev/null: no file at all, the variables alone.
    expect(settingsOf({ HOME: home, TEMPORAL_CONFIG_FILE: '/dev/null' })).toEqual({
      namespace: 'default',
      address: '127.0.0.1:7233',
    });
    // No file where the CLI looks: the defaults.
    expect(settingsOf({ HOME: join(dir, 'nobody') })).toEqual({
      namespace: 'default',
      address: '127.0.0.1:7233',
    });
  });

  it('takes TLS from the variables alone, with the names the CLI reads', () => {
    expect(
      settingsOf({
        TEMPORAL_ADDRESS: 'frontend.prod.internal:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      }).tls,
    ).toEqual({ clientCertPair: { crt: bytes(cert), key: bytes(key) } });
    expect(settingsOf({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
    expect(() => loadConfig({ ...minimal, TEMPORAL_TLS: 'yes' })).toThrow(
      'TEMPORAL_TLS: must be true or false',
    );
  });

  it('refuses the old TLS names, each naming its successor', () => {
    const load = () =>
      loadConfig({
        ...minimal,
        TEMPORAL_TLS_CERT_PATH: cert,
        TEMPORAL_TLS_KEY_PATH: key,
        TEMPORAL_TLS_CA_PATH: ca,
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      [
        'invalid configuration:',
        '  TEMPORAL_TLS_CERT_PATH: no longer read: set TEMPORAL_TLS_CLIENT_CERT_PATH instead, the name the temporal CLI and the SDKs read (docs/operations.md#configuration)',
        '  TEMPORAL_TLS_KEY_PATH: no longer read: set TEMPORAL_TLS_CLIENT_KEY_PATH instead, the name the temporal CLI and the SDKs read (docs/operations.md#configuration)',
        '  TEMPORAL_TLS_CA_PATH: no longer read: set TEMPORAL_TLS_SERVER_CA_CERT_PATH instead, the name the temporal CLI and the SDKs read (docs/operations.md#configuration)',
      ].join('\n'),
    );
  });

  it('names a missing profile, a missing file and half a certificate pair', () => {
    expect(() =>
      loadConfig({ ...minimal, TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'staging' }),
    ).toThrow(`TEMPORAL_PROFILE: no profile staging in ${profiles}`);
    expect(() => loadConfig({ ...minimal, TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') })).toThrow(
      `TEMPORAL_CONFIG_FILE: cannot read ${join(dir, 'nope.toml')}: ENOENT`,
    );
    expect(() =>
      loadConfig({ ...minimal, TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'half' }),
    ).toThrow('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together');
    const broken = file('broken.toml', '[profile.default\naddress = 1\n');
    expect(() => loadConfig({ ...minimal, TEMPORAL_CONFIG_FILE: broken })).toThrow(
      `TEMPORAL_CONFIG_FILE: cannot read the profile from ${broken}`,
    );
    expect(() => loadConfig({ ...minimal, TEMPORAL_ADDRESS: 'frontend.prod.internal' })).toThrow(
      'TEMPORAL_ADDRESS: must be host:port',
    );
  });

  it('refuses a certificate file it cannot read when the connection is made', () => {
    const config = loadConfig({
      ...minimal,
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'gone.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    });
    expect(() => temporalConnectionSettings(config)).toThrow(ConfigError);
    expect(() => temporalConnectionSettings(config)).toThrow(/TEMPORAL_TLS_\*: ENOENT.*gone\.pem/);
  });

  it("keeps one bearer: a profile's API key and the identity provider's tokens do not go together", () => {
    expect(() =>
      loadConfig({
        ...minimal,
        TEMPORAL_CONFIG_FILE: profiles,
        TEMPORAL_PROFILE: 'cloud',
        TEMPORAL_OIDC_TOKEN_URL: 'https://login.example/oauth/token',
        TEMPORAL_OIDC_CLIENT_ID: 'escrow-worker',
        TEMPORAL_OIDC_CLIENT_SECRET: 's3cret',
      }),
    ).toThrow("TEMPORAL_API_KEY (or the profile's api_key) and TEMPORAL_OIDC_*: one bearer only");
  });

  it('npm start reads the address and namespace alone: no profile, TLS or key', () => {
    const config = loadConfig(
      {
        ...minimal,
        TEMPORAL_ADDRESS: '127.0.0.1:7233',
        TEMPORAL_CONFIG_FILE: profiles,
        TEMPORAL_PROFILE: 'cloud',
        TEMPORAL_API_KEY: 'k',
      },
      { addressOnly: true },
    );
    expect(temporalConnectionSettings(config)).toEqual({ address: '127.0.0.1:7233' });
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
  });
});
