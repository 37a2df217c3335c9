import { runWorkerProcess } from '../../worker/process.js';
import { benchActivities } from './activities.js';

/** The benchmark's worker: `npm run worker` with the ceilings' no-op activity beside the order's. */
await runWorkerProcess(benchActivities);
