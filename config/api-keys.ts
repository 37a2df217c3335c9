import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys of docs/spec.md#http-api. `API_KEYS` is a comma-separated list of `role:secret` entries where the
 * secret is either the SHA-256 digest of a key (64 hex characters: nothing usable sits in the
 * environment) or the key itself (at least 16 characters of the RFC 6750 token alphabet), hashed at
 * start. Only digests are kept in memory.
 */
export const ROLES = ['marketplace', 'arbitrator', 'underwriter', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  role: Role;
  sha256: Buffer;
}

const DIGEST = /^[0-9a-fA-F]{64}$/;
const PLAIN_KEY = /^[A-Za-z0-9\-._~+/]{16,}=*$/;

export const hashApiKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** A fresh key: 256 random bits, prefixed so that it is recognisable in a leaked log or file. */
export const generateApiKey = (): string => `esk_${randomBytes(32).toString('base64url')}`;

export function parseApiKeys(spec: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const problems: string[] = [];
  spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .forEach((entry, i) => {
      const colon = entry.indexOf(':');
      const role = entry.slice(0, Math.max(colon, 0));
      const secret = entry.slice(colon + 1);
      if (colon < 0 || !(ROLES as readonly string[]).includes(role)) {
        problems.push(`entry ${i + 1}: must start with one of ${ROLES.map((r) => `${r}:`).join(', ')}`);
      } else if (DIGEST.test(secret)) {
        keys.push({ role: role as Role, sha256: Buffer.from(secret, 'hex') });
      } else if (PLAIN_KEY.test(secret)) {
        keys.push({ role: role as Role, sha256: hashApiKey(secret) });
      } else {
        // The secret is never echoed: this message ends up in deployment logs.
        problems.push(
          `entry ${i + 1} (${role}): the key must be a SHA-256 hex digest or at least 16 characters of A-Z a-z 0-9 - . _ ~ + /`,
        );
      }
    });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return keys;
}

/** Compares against every configured digest, so that the time taken says nothing about which matched. */
export function findApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = hashApiKey(presented);
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.sha256, digest) && !found) found = key;
  }
  return found;
}
