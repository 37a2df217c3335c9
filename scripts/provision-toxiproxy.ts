import { provisionToxiproxy } from './toxiproxy.js';

/** `npm run toxiproxy:provision`: builds the chaos soak's Toxiproxy ahead of time (CI does it before the soak). */
const binary = await provisionToxiproxy();
if (!binary) {
  console.error('No Toxiproxy: the chaos soak will skip its latency and loss phase');
  process.exitCode = 1;
} else console.log(`Toxiproxy ready: ${binary}`);
