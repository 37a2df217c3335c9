import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApplicationFailure, Client, WorkflowUpdateFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { describe, expect, inject, it } from 'vitest';
import { findTemporalCli } from '../../scripts/temporal-cli.js';
import {
  answerExtensionUpdate,
  arbitrateUpdate,
  INVALID_EVENT,
  recordPaymentUpdate,
  settleUpdate,
  UNKNOWN_EXTENSION,
  WRONG_STATE,
} from '../../workflows/model/messages.js';
import type { order } from '../../workflows/order-workflow.js';
import { UNSIGNED_EVENT } from '../../workflows/rules/event-signature.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import { acceptedUpdateIds, type Harness, startOrder, testContract, withWorker } from '../support/harness.js';
import { fundedOrder } from '../support/scenarios.js';

/*
 * A refused Update is an answer, not a crash: the failure the server hands back to the sender (the
 * API, the CLI, the Web UI's dialog) carries the validator's message and type, and no stack trace,
 * so no one reads the worker's file paths under the reason.
 */
let h: Harness;
let api: ApiUnderTest;
withWorker((ready) => {
  h = ready;
});

/** What the server answered for an Update its validator refused: the raw failure, as sent. */
async function refusal(send: () => Promise<unknown>): Promise<temporal.api.failure.v1.IFailure> {
  const err = await send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = (cause as ApplicationFailure).failure;
  expect(failure).toBeDefined();
  return failure as temporal.api.failure.v1.IFailure;
}

function expectBare(failure: temporal.api.failure.v1.IFailure, type: string, message: string) {
  expect(failure.message).toBe(message);
  expect(failure.applicationFailureInfo?.type).toBe(type);
  // Protobuf leaves an empty string off the wire: unset is empty.
  expect(failure.stackTrace ?? '').toBe('');
  expect(failure.cause ?? undefined).toBeUndefined();
}

describe('a refused Update', () => {
  it('carries its message and no stack trace, from every kind of validator', async () => {
    const { handle } = await fundedOrder(h);
    const before = await acceptedUpdateIds(handle);

    // The lifecycle table (409).
    expectBare(
      await refusal(() =>
        handle.executeUpdate(arbitrateUpdate, {
          args: [{ outcome: 'refund', arbitrator: 'arb-1', rationale: 'too early' }],
        }),
      ),
      WRONG_STATE,
      'cannot arbitrate while the order is awaiting_shipment; allowed in: arbitration',
    );
    // The schema of the command (422 from the workflow; the API refuses it with 400 before).
    expectBare(
      await refusal(() =>
        handle.executeUpdate(arbitrateUpdate, {
          args: [{ outcome: 'refund', arbitrator: '', rationale: '' }],
        }),
      ),
      INVALID_EVENT,
      'arbitrator: arbitrator must not be empty; rationale: rationale must not be empty',
    );
    // A rule of the handler (422).
    expectBare(
      await refusal(() =>
        handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 7, reference: 'wire-1' }] }),
      ),
      INVALID_EVENT,
      'payment reference wire-1 was already recorded with amount 1250000',
    );
    // An unknown extension (404).
    expectBare(
      await refusal(() =>
        handle.executeUpdate(answerExtensionUpdate, {
          args: [{ extensionId: 'ext-9', party: 'buyer', action: 'accept' }],
        }),
      ),
      UNKNOWN_EXTENSION,
      'no extension ext-9 on this order',
    );
    // The signature interceptor, before any handler's validator.
    const unsigned = new Client({ connection: h.client.connection }).workflow.getHandle<typeof order>(
      handle.workflowId,
    );
    expectBare(
      await refusal(() =>
        unsigned.executeUpdate(settleUpdate, { args: [{ party: 'supplier', action: 'accept_claim' }] }),
      ),
      UNSIGNED_EVENT,
      'settle refused: it carries no signature of the API; marketplace events are accepted only from the escrow API',
    );

    expect(await acceptedUpdateIds(handle)).toEqual(before);
  });

  it('reaches the API as a problem with the message and nothing of the worker', async () => {
    api = await startApi(h);
    try {
      const { input } = await fundedOrder(h);
      const { status, body } = await api.call('POST', `/v1/orders/${input.orderId}/arbitration`, {
        as: 'arbitrator',
        body: { outcome: 'refund', arbitrator: 'arb-1', rationale: 'too early' },
      });
      expect(status).toBe(409);
      expect(body.detail).toBe(
        'cannot arbitrate while the order is awaiting_shipment; allowed in: arbitration',
      );
      expect(JSON.stringify(body)).not.toMatch(/workflows\/|\bat \w+ \(|\.ts:\d+/);
    } finally {
      await api.close();
    }
  });

  const cli = findTemporalCli();
  it.skipIf(!cli)('reaches the Temporal CLI with the message and no stack trace', async () => {
    const handle = await startOrder(h.client, h.taskQueue, testContract());
    const run = promisify(execFile);
    const result = await run(
      cli ?? 'temporal',
      [
        'workflow',
        'update',
        'execute',
        '--address',
        inject('temporalAddress'),
        '--workflow-id',
        handle.workflowId,
        '--name',
        arbitrateUpdate.name,
        '--input',
        JSON.stringify({ outcome: 'refund', arbitrator: 'arb-1', rationale: 'too early' }),
      ],
      { encoding: 'utf8' },
    ).then(
      () => ({ failed: false, output: '' }),
      (err: { stdout: string; stderr: string }) => ({ failed: true, output: `${err.stdout}${err.stderr}` }),
    );
    expect(result.failed).toBe(true);
    expect(result.output).toContain(
      'cannot arbitrate while the order is awaiting_funding; allowed in: arbitration',
    );
    expect(result.output).not.toMatch(/workflows\/|\bat \w+ \(|\.ts:\d+/);
  });
});
