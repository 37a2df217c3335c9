import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fetchClientCredentialsToken } from '../../config/temporal-token.js';
import { clusterCredentials, readClusterInfo } from '../../scripts/cluster/cluster.js';
import { type Harness, withWorker } from '../support/harness.js';
import { disputedOrder, type OrderHandle } from '../support/scenarios.js';

/**
 * Issue 12: the saved searches of the arbitrators (docs/arbitrators.md) on the cluster's SQL
 * visibility in PostgreSQL, through the SDK and through the Web UI server, and the one thing SQL
 * visibility cannot do in 1.32.2: ORDER BY.
 */
let h: Harness;
withWorker((ready) => {
  h = ready;
});
const supplier = `sup-${randomUUID()}`;
const handles: OrderHandle[] = [];
afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.terminate('test done').catch(() => {})));
});

const ids = async (query: string) => {
  const found: string[] = [];
  for await (const execution of h.client.workflow.list({ query })) found.push(execution.workflowId);
  return found.sort();
};

describe('arbitrators’ searches on SQL visibility', () => {
  it('finds the queue, filters it by due date, and refuses ORDER BY', async () => {
    const slas = ['PT1H', 'PT2H', 'PT3H'];
    const started = Date.now();
    for (const arbitrationSla of slas) {
      const { handle, snapshot } = await disputedOrder(h, {
        negotiationWindow: 'PT0S',
        arbitrationSla,
        supplier: { id: supplier, name: 'Cluster Steel' },
      });
      expect(snapshot.status).toBe('arbitration');
      handles.push(handle);
    }
    const all = handles.map((handle) => handle.workflowId).sort();
    const queue = `WorkflowType = 'order' AND OrderStatus = 'arbitration' AND SupplierId = '${supplier}'`;
    // Visibility is written asynchronously after the workflow task that set the attributes.
    await expect.poll(() => ids(queue), { timeout: 20_000 }).toEqual(all);

    const hour = 3600_000;
    const due = (ms: number) => new Date(started + ms).toISOString();
    expect(await ids(`${queue} AND ArbitrationDueAt < '${due(1.5 * hour)}'`)).toEqual([
      handles[0]?.workflowId,
    ]);
    expect(
      await ids(`${queue} AND ArbitrationDueAt BETWEEN '${due(1.5 * hour)}' AND '${due(2.5 * hour)}'`),
    ).toEqual([handles[1]?.workflowId]);
    expect(await ids(`${queue} AND ArbitrationOverdue = false AND EscrowAmount >= 1000000`)).toEqual(all);
    expect(
      await ids(`WorkflowType = 'order' AND BuyerId = 'buyer-1' AND SupplierId = '${supplier}'`),
    ).toEqual(all);
    const count = await h.client.workflow.count(`${queue} GROUP BY ExecutionStatus`);
    expect(count.count).toBe(3);
    expect(count.groups).toEqual([{ count: 3, groupValues: [['Running']] }]);

    // A tripwire: when an upgrade brings ORDER BY to SQL visibility, docs/operations.md changes.
    await expect(
      h.client.workflowService.listWorkflowExecutions({
        namespace: 'default',
        query: `${queue} ORDER BY ArbitrationDueAt`,
      }),
    ).rejects.toThrow(/operation is not supported: 'order by' clause/i);
  });

  it('serves the same queue through the Web UI server of the cluster', async () => {
    const ui = inject('temporalUiUrl');
    const query = `WorkflowType = 'order' AND OrderStatus = 'arbitration' AND SupplierId = '${supplier}'`;
    // The UI server passes the caller's bearer on to the frontend, which authorizes it.
    const { accessToken } = await fetchClientCredentialsToken(
      clusterCredentials(readClusterInfo(inject('clusterDir')), 'api'),
    );
    const response = await fetch(
      `${ui}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
      { headers: { authorization: `Bearer ${accessToken}` } },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { executions: { execution: { workflowId: string } }[] };
    expect(body.executions.map((e) => e.execution.workflowId).sort()).toEqual(
      handles.map((handle) => handle.workflowId).sort(),
    );
  });
});
