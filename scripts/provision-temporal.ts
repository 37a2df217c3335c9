import { provisionTemporalCli } from './temporal-cli.js';

/** `npm run temporal:provision`: finds or builds the Temporal CLI ahead of time (CI does this first). */
const binary = await provisionTemporalCli();
console.log(
  binary ? `Temporal CLI ready: ${binary}` : 'No Temporal CLI: the SDK will download one when needed',
);
