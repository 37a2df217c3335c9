import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findApiKey, generateApiKey, parseApiKeys } from '../../config/api-keys.js';

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

describe('API_KEYS', () => {
  it('takes plain keys and SHA-256 digests, several per role, and keeps only digests', () => {
    const plain = generateApiKey();
    const hashed = generateApiKey();
    const keys = parseApiKeys(` marketplace:${plain}, reader:${digest(hashed)},reader:${generateApiKey()} ,`);
    expect(keys.map((k) => k.role)).toEqual(['marketplace', 'reader', 'reader']);
    expect(keys[0]?.sha256.toString('hex')).toBe(digest(plain));
    expect(findApiKey(keys, plain)?.role).toBe('marketplace');
    expect(findApiKey(keys, hashed)?.role).toBe('reader');
    expect(findApiKey(keys, digest(hashed))).toBeUndefined();
    expect(findApiKey(keys, 'guess')).toBeUndefined();
  });

  it('refuses unknown roles and weak keys without echoing them', () => {
    expect(() => parseApiKeys('admin:0123456789abcdef0123')).toThrow(
      'entry 1: must start with one of marketplace:, arbitrator:, underwriter:, reader:',
    );
    let message = '';
    try {
      parseApiKeys(`reader:${generateApiKey()},arbitrator:secret`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /^entry 2 \(arbitrator\): the key must be a SHA-256 hex digest or at least 16 characters/,
    );
    expect(message).not.toContain('secret');
  });
});
