import { loadConfigOrExit } from '../config/env.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { rebuildReadModel } from '../db/program-read-model.js';

/**
 * `npm run program:rebuild`: builds the supplier program's read model again from the stored order
 * events (docs/program.md#the-read-model), e.g. after a change to the program's definitions. Safe
 * while the engine runs: events that arrive meanwhile keep it current, and a row is only replaced
 * by one from the same or a later event.
 */
const config = loadConfigOrExit();
const pool = createPool(config.DATABASE_URL, 2);
try {
  await migrate(pool);
  const started = Date.now();
  let reported = 0;
  const orders = await rebuildReadModel(pool, (done) => {
    if (done - reported >= 10_000) {
      reported = done;
      console.log(`[program:rebuild] ${done} orders`);
    }
  });
  console.log(
    `[program:rebuild] read model rebuilt from the events of ${orders} orders in ${Date.now() - started} ms`,
  );
} finally {
  await pool.end();
}
