import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app.js';
import { createPool } from '../db/pool.js';

/**
 * `npm run openapi [file]`: writes the API's OpenAPI document as the app serves it at /docs/json,
 * without any server: the connections are lazy and nothing calls them.
 */
const out = process.argv[2] ?? 'dist/openapi.json';
const connection = Connection.lazy();
const pool = createPool('postgres://unused@127.0.0.1:1/unused');
const app = await buildApp({ temporal: new Client({ connection }), pool, taskQueue: 'unused', apiKeys: [] });
await app.ready();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await pool.end();
await connection.close();
console.log(`OpenAPI document written to ${out}`);
