import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateEventKeyPair, isSecretKey, publicKeyOf } from '../workflows/rules/event-signature.js';

/**
 * The development key pair that signs marketplace events under `npm start`, kept in a file (owner
 * only) like the development API keys, so that orders started before a restart keep accepting
 * the API's events. Production passes EVENT_SIGNING_KEY to the API and EVENT_PUBLIC_KEYS to workers.
 * The dossier key is kept the same way, so that a dossier fetched before a restart still names the
 * key the engine signs with.
 */
export function loadOrCreateDevEventKeys(
  file: string,
  log: (line: string) => void,
  what = 'event signing',
): { secretKey: string; publicKey: string } {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { secretKey?: string };
    if (stored.secretKey && isSecretKey(stored.secretKey)) {
      return { secretKey: stored.secretKey, publicKey: publicKeyOf(stored.secretKey) };
    }
  }
  const pair = generateEventKeyPair();
  writeFileSync(file, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600 });
  log(`[start] created the development ${what} key pair in ${file}`);
  return pair;
}
