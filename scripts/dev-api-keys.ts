import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateApiKey, ROLES, type Role } from '../config/api-keys.js';

export type DevApiKeys = Record<Role, string>;

/**
 * One development API key per role for `npm start`, kept in a file so that a restart (and the
 * curl commands of docs/api.md) keep working. The file is readable by its owner only.
 */
export function loadOrCreateDevApiKeys(file: string, log: (line: string) => void): DevApiKeys {
  const stored: Partial<DevApiKeys> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const keys = Object.fromEntries(
    ROLES.map((role) => [role, stored[role] ?? generateApiKey()]),
  ) as DevApiKeys;
  if (ROLES.some((role) => stored[role] === undefined)) {
    writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    log(`[start] created development API keys in ${file}`);
  }
  return keys;
}

/** The keys in the format of API_KEYS. */
export const apiKeysSpec = (keys: DevApiKeys) => ROLES.map((role) => `${role}:${keys[role]}`).join(',');
