import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateWebhookSecret, webhookSecretKey } from '../config/webhook-secrets.js';

/**
 * The development webhook secret (`whsec_…`) that signs the webhooks of `npm start` when
 * WEBHOOK_URLS or ARBITRATION_WEBHOOK_URL is set without WEBHOOK_SECRETS, kept in a file (owner
 * only) like the development API keys, so that a receiver set up with it keeps verifying after a
 * restart.
 */
export function loadOrCreateDevWebhookSecret(file: string, log: (line: string) => void): string {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { secret?: string };
    if (stored.secret && webhookSecretKey(stored.secret)) return stored.secret;
  }
  const secret = generateWebhookSecret();
  writeFileSync(file, `${JSON.stringify({ secret }, null, 2)}\n`, { mode: 0o600 });
  log(`[start] created the development webhook secret in ${file}`);
  return secret;
}
