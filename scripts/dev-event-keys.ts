import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateEventKeyPair, isSecretKey, publicKeyOf } from '../workflows/rules/event-signature.js';

/**
 * The development key pair that signs marketplace events under `npm start`, kept in a file (owner
 * only) like the development API keys, so that orders started before a restart keep accepting
 * the API's events. Production passes EVENT_SIGNING_KEY to the API and EVENT_PUBLIC_KEYS to workers.
 */
export function loadOrCreateDevEventKeys(
  file: string,
  log: (line: string) => void,
): { secretKey: string; publicKey: string } {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { secretKey?: string };
    if (stored.secretKey && isSecretKey(stored.secretKey)) {
      return { secretKey: stored.secretKey, publicKey: publicKeyOf(stored.secretKey) };
    }
  }
  const pair = generateEventKeyPair();
  writeFileSync(file, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600 });
  log(`[start] created the development event signing key pair in ${file}`);
  return pair;
}
