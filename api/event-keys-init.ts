import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEventKeyPair, isSecretKey, publicKeyOf } from '../workflows/rules/event-signature.js';

/**
 * `node --import tsx api/event-keys-init.ts <signing-dir> <public-dir>`: the one-shot job of
 * docker-compose.yml that creates the event signing key pair on first start. The private key goes
 * to a volume only the API mounts, the public key to one the workers mount; a later run keeps both
 * (a public key file edited for a rotation stays as it is). The dossier signing key (docs/dossier.md)
 * is the API's alone too, and goes beside the event signing key.
 */
const [signingDir, publicDir] = process.argv.slice(2);
if (!signingDir || !publicDir) throw new Error('usage: event-keys-init.ts <signing-dir> <public-dir>');
const signingFile = join(signingDir, 'event-signing-key');
const publicFile = join(publicDir, 'event-public-keys');
// The engine's containers run as the image's `node` user; compose runs this job as root.
const NODE_UID = 1000;

let secretKey = existsSync(signingFile) ? readFileSync(signingFile, 'utf8').trim() : '';
if (!isSecretKey(secretKey)) {
  secretKey = generateEventKeyPair().secretKey;
  writeFileSync(signingFile, `${secretKey}\n`, { mode: 0o400 });
  if (process.getuid?.() === 0) chownSync(signingFile, NODE_UID, NODE_UID);
  console.log(`created the event signing key in ${signingFile}`);
}
if (!existsSync(publicFile)) {
  writeFileSync(publicFile, `${publicKeyOf(secretKey)}\n`, { mode: 0o444 });
  console.log(`wrote the event public key to ${publicFile}`);
}
console.log(`event public key: ${publicKeyOf(secretKey)}`);

const dossierFile = join(signingDir, 'dossier-signing-key');
let dossierKey = existsSync(dossierFile) ? readFileSync(dossierFile, 'utf8').trim() : '';
if (!isSecretKey(dossierKey)) {
  dossierKey = generateEventKeyPair().secretKey;
  writeFileSync(dossierFile, `${dossierKey}\n`, { mode: 0o400 });
  if (process.getuid?.() === 0) chownSync(dossierFile, NODE_UID, NODE_UID);
  console.log(`created the dossier signing key in ${dossierFile}`);
}
console.log(`dossier public key: ${publicKeyOf(dossierKey)}`);
