import { runWorkerProcess } from './process.js';

/** `npm run worker`: one worker replica (see process.ts). */
await runWorkerProcess();
