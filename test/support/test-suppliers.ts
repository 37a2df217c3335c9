import { loadConfig } from '../../config/env.js';
import { programSettings } from '../../config/program.js';
import { createPool } from '../../db/pool.js';
import { SupplierProgram } from '../../db/supplier-program.js';

/**
 * Coverage for the supplier of the suite's contracts (testContract's `supplier-1`): every file
 * creates orders for it, many stay open until the run ends, and all of them count in its exposure.
 * Processes that might assess it (a worker's Schedule) get the same settings, so that its limits
 * stay. The program's own tests use suppliers, settings and databases of their own.
 */
export const TEST_PROGRAM_ENV = {
  PROGRAM_PROVISIONAL_LIMITS: '*:10000000000000',
  PROGRAM_MAX_LIMIT: '10000000000000',
};

export const TEST_SUPPLIERS = [{ id: 'supplier-1', name: 'Steel Supplier' }];

/** Enrols the suite's suppliers through the program's own code, as `PUT /v1/suppliers/:id` does. */
export async function enrolTestSuppliers(databaseUrl: string, suppliers = TEST_SUPPLIERS): Promise<void> {
  const pool = createPool(databaseUrl, 1);
  try {
    const program = new SupplierProgram(
      pool,
      programSettings(loadConfig({ DATABASE_URL: databaseUrl, ...TEST_PROGRAM_ENV })),
    );
    for (const s of suppliers)
      await program.put(s.id, { name: s.name, country: 'DE', enrolled: true }, new Date());
  } finally {
    await pool.end();
  }
}
