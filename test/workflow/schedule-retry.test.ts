import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { untilItSucceeds } from '../../worker/schedules.js';
import { ensureStatementSchedule } from '../../worker/statement-schedule.js';

/*
 * A worker that starts while Temporal cannot serve its Schedule calls keeps asking in the background.
 * Here the namespace does not exist yet when the worker asks, as on a cluster whose namespace is
 * still being set up; the real dev server refuses, then serves once the namespace is registered.
 */
let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(() => connection?.close());

describe('the Schedules a worker makes at start', () => {
  it('are made once Temporal can serve them, after failures', async () => {
    const namespace = `late-${randomUUID()}`;
    const client = new Client({ connection, namespace });
    const failures: number[] = [];
    let registered: Promise<unknown> | undefined;
    const made = await untilItSucceeds(
      () => ensureStatementSchedule(client, { taskQueue: 'nobody-polls', scheduleId: 'statement-late' }),
      {
        firstDelayMs: 200,
        maxDelayMs: 1_000,
        signal: AbortSignal.timeout(90_000),
        onFailure: (_err, retryInMs) => {
          failures.push(retryInMs);
          registered ??= connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs('1 day'),
          });
        },
      },
    );
    await registered;
    expect(made).toBe('created');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures).toEqual(failures.map((_, i) => Math.min(200 * 2 ** i, 1_000)));
    const described = await client.schedule.getHandle('statement-late').describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', taskQueue: 'nobody-polls' });
    await client.schedule.getHandle('statement-late').delete();
  }, 120_000);

  it('stop being asked for when the worker stops', async () => {
    const client = new Client({ connection, namespace: `never-${randomUUID()}` });
    const stop = new AbortController();
    let attempts = 0;
    const made = untilItSucceeds(
      () => {
        attempts += 1;
        return ensureStatementSchedule(client, { taskQueue: 'nobody-polls', scheduleId: 'statement-never' });
      },
      { firstDelayMs: 60_000, signal: stop.signal, onFailure: () => stop.abort() },
    );
    await expect(made).resolves.toBeUndefined();
    expect(attempts).toBe(1);
  });
});
