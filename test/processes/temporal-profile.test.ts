import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordPaymentUpdate } from '../../workflows/model/messages.js';
import { type EngineProcess, engineEnv, spawnEngine, waitForOutput } from '../support/engine-processes.js';
import { createHarness, type Harness, startOrder, testContract } from '../support/harness.js';

/**
 * `npm run worker` finds Temporal through a profile of the file the `temporal` CLI reads, as an
 * operator shares one between the CLI and the engine: no TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE.
 */
const dir = mkdtempSync(join(tmpdir(), 'temporal-profile-'));
const taskQueue = `profile-${randomUUID()}`;
let worker: EngineProcess;
let h: Harness;

beforeAll(async () => {
  const profiles = join(dir, 'temporal.toml');
  writeFileSync(
    profiles,
    [
      '[profile.default]',
      'address = "127.0.0.1:1"',
      '',
      '[profile.escrow]',
      `address = "${inject('temporalAddress')}"`,
      'namespace = "default"',
      '',
    ].join('\n'),
  );
  const { TEMPORAL_ADDRESS: _fromProfile, ...env } = engineEnv('worker', taskQueue, {
    LOG_LEVEL: 'info',
    TEMPORAL_CONFIG_FILE: profiles,
    TEMPORAL_PROFILE: 'escrow',
  });
  worker = spawnEngine('worker/main.ts', env);
  [h] = await Promise.all([createHarness(), waitForOutput(worker, 'worker polling')]);
}, 120_000);
afterAll(async () => {
  await worker?.kill();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Temporal connection from a profile file', () => {
  it('connects the worker process to the address of the profile TEMPORAL_PROFILE names, and runs orders', async () => {
    const polling = worker.output
      .join('')
      .split('\n')
      .find((line) => line.includes('worker polling'));
    expect(JSON.parse(polling ?? '{}')).toMatchObject({
      address: inject('temporalAddress'),
      namespace: 'default',
      taskQueue,
    });

    const input = testContract();
    const handle = await startOrder(h.client, taskQueue, input);
    const funded = await handle.executeUpdate(recordPaymentUpdate, {
      args: [{ amount: input.amount, reference: 'wire-profile' }],
    });
    expect(funded.status).toBe('awaiting_shipment');
    expect((await h.ledger.entries(input.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 1_250_000],
    ]);
  });
});
