import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeWorkflowBundle } from '../worker/workflow-bundle.js';

/** Prebuilds the workflow bundle for production images, so that workers start without webpack. */
const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
mkdirSync(dirname(out), { recursive: true });
const started = Date.now();
console.log(`bundling workflows into ${out} ...`);
await writeWorkflowBundle(out);
console.log(`done in ${Date.now() - started} ms`);
