import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stormPhases } from '../../scripts/bench/storm-phases.js';
import { historyFromJSON } from '../support/histories.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'histories');
const history = async (name: string) =>
  historyFromJSON(JSON.parse(await readFile(join(FIXTURES, name), 'utf8')));

describe("the bench's storm phases", () => {
  it('reads each phase from the fired timer to the close out of a recorded late-shipment refund', async () => {
    // Timer fired 06.360; task started .361; refund scheduled .370, started .372, completed .380;
    // closing task started .382; workflow completed .395.
    expect(stormPhases(await history('refunded-late_shipment.json'))).toEqual({
      'task after the timer: waiting': 1,
      'task after the timer: running': 9,
      'money activity: waiting': 2,
      'money activity: running': 8,
      'closing task: waiting': 2,
      'closing task: running': 13,
    });
  });

  it('leaves out a workflow that closed without a timer firing', async () => {
    expect(stormPhases(await history('cancelled-buyer_cancelled.json'))).toBeUndefined();
  });
});
