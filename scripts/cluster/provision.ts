import { provisionTemporalServer } from './temporal-server.js';

/** `npm run cluster:provision`: builds the Temporal server, SQL tool and Web UI ahead of time (CI). */
const started = Date.now();
const binaries = await provisionTemporalServer();
console.log(`Temporal server ready: ${binaries.server} (${Math.round((Date.now() - started) / 1000)}s)`);
