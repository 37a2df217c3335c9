import type { Client } from '@temporalio/client';
import { workflowIdFor } from '../../workflows/model/messages.js';
import type { ApiClient } from './api-client.js';
import { contractInput, PAYMENT, stepsOf } from './order-inputs.js';
import type { Progress } from './progress.js';
import { type Distribution, distribution } from './stats.js';

type ReadCase = Distribution & { failures: string[] };

export interface ReadsOptions {
  api: ApiClient;
  client: Client;
  /** GETs per case. */
  reads: number;
  run: string;
  progress: Progress;
}

/**
 * `GET /v1/orders/:id` of an open order and of a closed one: the lifecycle's first closed dispute,
 * else one driven to its close here. Answers the closed order too, for `closedWithoutWorker`.
 */
export async function readsSection(
  o: ReadsOptions,
  closedDispute: string | undefined,
): Promise<{ reads: { open: ReadCase; closed: ReadCase }; closedOrder: string }> {
  o.progress(`reads: ${o.reads} GETs each of an open and a closed order`);
  const openOrder = `bench-read-${o.run}-open`;
  await o.api.post('/v1/orders', contractInput(openOrder));
  await o.api.post(`/v1/orders/${openOrder}/payments`, PAYMENT);
  let closed = closedDispute;
  if (!closed) {
    closed = `bench-read-${o.run}-closed`;
    await o.api.post('/v1/orders', contractInput(closed));
    for (const step of stepsOf(true))
      await o.api.post(`/v1/orders/${closed}/${step.route}`, step.body, step.as);
    await o.client.workflow.getHandle(workflowIdFor(closed)).result();
  }
  return {
    reads: { open: await readCase(o, openOrder, 'open'), closed: await readCase(o, closed, 'closed') },
    closedOrder: closed,
  };
}

/** The closed order's GET while `withoutWorker` has stopped the worker: a closed order needs none. */
export async function closedWithoutWorker(
  o: ReadsOptions,
  closedOrder: string,
  withoutWorker: <T>(during: () => Promise<T>) => Promise<T>,
): Promise<ReadCase> {
  o.progress('reads: a closed order while no worker runs');
  return withoutWorker(() => readCase(o, closedOrder, 'closed, no worker'));
}

/** Up to `reads` GETs in a minute; three failures end the case. */
async function readCase(o: ReadsOptions, orderId: string, label: string): Promise<ReadCase> {
  const values: number[] = [];
  const failures: string[] = [];
  const deadline = Date.now() + 60_000;
  while (values.length < o.reads && Date.now() < deadline && failures.length < 3) {
    const { ok, status, ms } = await o.api.get(`/v1/orders/${orderId}`);
    if (ok) values.push(ms);
    else failures.push(`${status} after ${Math.round(ms)} ms`);
  }
  o.progress(`  GET ${label}: ${values.length} answers, ${failures.length} failures ${failures.join('; ')}`);
  return { ...distribution(values), failures };
}
