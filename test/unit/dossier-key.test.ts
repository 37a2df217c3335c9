import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dossierSigningKey, loadConfig } from '../../config/env.js';
import { generateEventKeyPair } from '../../workflows/rules/event-signature.js';

describe('dossier key configuration', () => {
  const base = { DATABASE_URL: 'postgres://x@y/z' };

  it('is required by the API, as a key or a file, and a malformed one is refused at start', () => {
    expect(() => dossierSigningKey(loadConfig(base))).toThrow(/DOSSIER_SIGNING_KEY: required/);
    expect(() => loadConfig({ ...base, DOSSIER_SIGNING_KEY: 'short' })).toThrow(
      /DOSSIER_SIGNING_KEY: must be/,
    );
    const { secretKey } = generateEventKeyPair();
    expect(dossierSigningKey(loadConfig({ ...base, DOSSIER_SIGNING_KEY: secretKey }))).toBe(secretKey);
    const file = join(mkdtempSync(join(tmpdir(), 'dossier-key-')), 'dossier-signing-key');
    writeFileSync(file, `${secretKey.toUpperCase()}\n`);
    expect(dossierSigningKey(loadConfig({ ...base, DOSSIER_SIGNING_KEY_FILE: file }))).toBe(secretKey);
  });
});
