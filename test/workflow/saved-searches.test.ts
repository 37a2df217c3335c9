import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrderCurrencyKey } from '../../workflows/model/search-attributes.js';
import { type Harness, waitForStatus, withWorker } from '../support/harness.js';
import { disputedOrder } from '../support/scenarios.js';

/*
 * The saved searches of docs/arbitrators.md, as an arbitrator pastes them: each is a query the
 * server takes, and the queue, the large cases of one currency and the due-date windows find an
 * order waiting for a decision.
 */
let h: Harness;
withWorker((ready) => {
  h = ready;
});

const manual = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'arbitrators.md'), 'utf8');
const savedSearches = new Map(
  [...manual.matchAll(/^\| ([^|]+?) \| `(WorkflowType = [^`]+)` \|$/gm)].map((m) => [m[1], m[2]] as const),
);

describe("the manual's saved searches", () => {
  it('are queries the server takes', async () => {
    expect([...savedSearches.keys()]).toEqual([
      'My queue',
      'Overdue',
      'Due today',
      'Due this week',
      'Large cases in one currency',
      "One company's disputes",
    ]);
    for (const [name, query] of savedSearches) {
      await expect(h.client.workflow.count(query), name).resolves.toMatchObject({
        count: expect.any(Number),
      });
    }
  });

  it('find an order waiting for a decision by its queue, its currency and amount, and its due date', async () => {
    const { handle } = await disputedOrder(h, { negotiationWindow: 'PT0S', arbitrationSla: 'P2D' });
    const { arbitration } = await waitForStatus(handle, 'arbitration');
    expect((await handle.describe()).typedSearchAttributes.get(OrderCurrencyKey)).toBe('USD');
    const dueAt = Date.parse(arbitration?.dueAt ?? '');
    const day = 24 * 3600 * 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    // The manual's dates are examples: an arbitrator edits them to the day; so does the test.
    const windows = {
      'Due today': [iso(dueAt + 1000)],
      'Due this week': [iso(dueAt - day), iso(dueAt + 6 * day)],
    };
    const found = async (name: string) => {
      let query = savedSearches.get(name) ?? '';
      for (const date of windows[name as keyof typeof windows] ?? []) {
        query = query.replace(/'\d{4}-\d\d-\d\dT00:00:00Z'/, `'${date}'`);
      }
      const deadline = Date.now() + 30_000;
      for (;;) {
        for await (const w of h.client.workflow.list({
          query: `${query} AND WorkflowId = '${handle.workflowId}'`,
        })) {
          if (w.workflowId === handle.workflowId) return true;
        }
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    for (const name of ['My queue', 'Large cases in one currency', 'Due today', 'Due this week']) {
      expect(await found(name), name).toBe(true);
    }
  });
});
