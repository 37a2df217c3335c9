import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SignedChain, verifyChain } from '../api/dossier-chain.js';

/**
 * `npm run dossier:verify -- FILE [--public-key HEX]`: checks a saved dossier offline — every
 * entry's chain and hash, the head, and the signature (by the key given, else the dossier's own) —
 * and names the first event that does not hold. Exit 0 when it holds, 1 when not, 2 on bad usage.
 */
const { values, positionals } = parseArgs({
  options: { 'public-key': { type: 'string' } },
  allowPositionals: true,
});
const [file] = positionals;
if (!file || positionals.length > 1) {
  console.error('usage: npm run dossier:verify -- FILE [--public-key HEX]');
  process.exit(2);
}
let dossier: SignedChain;
try {
  dossier = JSON.parse(readFileSync(file, 'utf8')) as SignedChain;
} catch (err) {
  console.error(`${file}: not a JSON dossier (${(err as Error).message})`);
  process.exit(2);
}
const verdict = verifyChain(dossier, values['public-key'] ?? dossier.publicKey);
if (verdict.ok) {
  console.log(
    `ok: order ${dossier.orderId}, ${verdict.events} events chained to head ${dossier.head}, signed by ${values['public-key'] ?? dossier.publicKey}`,
  );
  if (!values['public-key'])
    console.log('  (checked against the key the dossier names: pass --public-key to pin the engine’s)');
  process.exit(0);
}
const { entry } = verdict;
console.error(
  entry
    ? `FAILED at entry ${entry.index} (event ${String(entry.sequence)} ${String(entry.type)}, id ${String(entry.id)}): ${verdict.problem}`
    : `FAILED: ${verdict.problem}`,
);
process.exit(1);
