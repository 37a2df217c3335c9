import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchClientCredentialsToken } from '../../config/temporal-token.js';
import {
  type ClusterInfo,
  clusterConnection,
  clusterCredentials,
  readClusterInfo,
} from '../../scripts/cluster/cluster.js';
import { orderQuery, recordPaymentUpdate } from '../../workflows/model/messages.js';
import type { order } from '../../workflows/order-workflow.js';
import { UNSIGNED_EVENT } from '../../workflows/rules/event-signature.js';
import {
  call,
  type EngineProcess,
  startApiProcess,
  startWorkerProcess,
} from '../support/engine-processes.js';
import {
  acceptedUpdateIds,
  createHarness,
  type Harness,
  startOrder,
  testContract,
} from '../support/harness.js';
import { conformingReport } from '../support/scenarios.js';

/**
 * Issue 15: the Temporal plane of the production topology is authenticated. The cluster's frontend
 * authorizes every call with the JWTs of its identity provider: nobody without a token gets in; a
 * writer token still cannot forge a marketplace event (that takes the API's signature); and the
 * engine's worker and API run on their own client credentials, renewing them as they expire.
 */
let cluster: ClusterInfo;
let h: Harness;
beforeAll(async () => {
  cluster = readClusterInfo(inject('clusterDir'));
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());

/** The call fails with gRPC PERMISSION_DENIED (7) or UNAUTHENTICATED (16): the server's authorizer. */
async function expectRefused(attempt: () => Promise<unknown>) {
  const err = (await attempt().then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; cause?: { code?: number } } | undefined;
  expect(err, 'the call was accepted').toBeDefined();
  expect([7, 16]).toContain(err?.code ?? err?.cause?.code);
}

/** The bare StartWorkflowExecution an intruder would send (orders are started by api/order-start.ts). */
const startOrderCall = (connection: Connection, workflowId: string) =>
  connection.workflowService.startWorkflowExecution({
    namespace: 'default',
    workflowId,
    workflowType: { name: 'order' },
    taskQueue: { name: h.taskQueue },
    requestId: randomUUID(),
    identity: 'intruder',
  });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the cluster’s frontend', () => {
  it('refuses a client without a token, and one whose token the identity provider did not sign', async () => {
    const workflowId = `order-unauthenticated-${randomUUID()}`;
    const anonymous = await Connection.connect({ address: cluster.frontendAddress });
    try {
      await expectRefused(() =>
        anonymous.workflowService.listWorkflowExecutions({ namespace: 'default', query: '' }),
      );
      await expectRefused(() => startOrderCall(anonymous, workflowId));
    } finally {
      await anonymous.close();
    }

    // A token that claims everything, with the provider's key id, signed by someone else's key.
    const { keys } = (await (await fetch(cluster.oidc.jwksUri)).json()) as { keys: { kid: string }[] };
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT', kid: keys[0]?.kid })}.${base64url({
      iss: cluster.oidc.issuer,
      sub: 'intruder',
      iat: now,
      exp: now + 600,
      permissions: ['temporal-system:admin', 'default:admin'],
    })}`;
    const forged = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
    // Even its health check is refused: `lazy`, not `connect`, to send the calls themselves.
    await expectRefused(() =>
      Connection.connect({ address: cluster.frontendAddress, apiKey: forged, tls: false }),
    );
    const intruder = Connection.lazy({ address: cluster.frontendAddress, apiKey: forged, tls: false });
    try {
      await expectRefused(() =>
        intruder.workflowService.listWorkflowExecutions({ namespace: 'default', query: '' }),
      );
      await expectRefused(() => startOrderCall(intruder, workflowId));
    } finally {
      await intruder.close();
    }
    // Neither attempt started anything.
    await expect(h.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
  });

  it('lets a valid writer token read an order, but refuses its recordPayment without the API’s signature: no money moves', async () => {
    const input = testContract({ deposit: 5_000, amount: 5_000 });
    const handle = await startOrder(h.client, h.taskQueue, input);
    // A writer token, as a stolen UI session or a misused service credential would hold.
    const connection = await clusterConnection(cluster, 'api');
    try {
      const forger = new Client({ connection }).workflow.getHandle<typeof order>(handle.workflowId);
      expect((await forger.query(orderQuery)).status).toBe('awaiting_funding');
      const accepted = await acceptedUpdateIds(handle);

      await expect(
        forger.executeUpdate(recordPaymentUpdate, { args: [{ amount: 5_000, reference: 'forged-wire' }] }),
      ).rejects.toMatchObject({
        cause: { type: UNSIGNED_EVENT, message: expect.stringMatching(/carries no signature/) },
      });

      expect(await acceptedUpdateIds(handle)).toEqual(accepted);
      expect(await handle.query(orderQuery)).toMatchObject({ funded: 0, escrowBalance: 0, payments: [] });
      expect(await h.ledger.entries(input.orderId)).toEqual([]);
    } finally {
      await connection.close();
      await handle.terminate('test done');
    }
  });
});

describe('the engine on its own tokens', () => {
  const taskQueue = `auth-${randomUUID()}`;
  const processes: EngineProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('worker and API processes close orders with the right ledger, on client credentials renewed as they expire', async () => {
    const auth = inject('temporalEngineAuthEnv');
    expect(auth?.worker.TEMPORAL_OIDC_CLIENT_ID).toBe(cluster.oidc.clients.worker.clientId);
    expect(auth?.api.TEMPORAL_OIDC_CLIENT_ID).toBe(cluster.oidc.clients.api.clientId);
    // A token taken now: it will have expired by the end, so the processes must have renewed theirs.
    const early = await fetchClientCredentialsToken(clusterCredentials(cluster, 'api'));
    const started = Date.now();
    const [worker, api] = await Promise.all([startWorkerProcess(taskQueue), startApiProcess(taskQueue)]);
    processes.push(worker, api);

    const closed: string[] = [];
    // Orders one after another until both processes have outlived their first token.
    while (closed.length < 2 || Date.now() - started < (early.expiresIn + 10) * 1000) {
      const contract = testContract({ orderId: `A-${closed.length}-${randomUUID()}` });
      const path = `/v1/orders/${contract.orderId}`;
      const expectOk = async (response: ReturnType<typeof call>, ...statuses: number[]) => {
        const { status, body } = await response;
        expect({ path, status, body }).toMatchObject({ status: expect.toBeOneOf(statuses) });
      };
      await expectOk(call(api.url, 'POST', '/v1/orders', contract), 201, 200);
      await expectOk(
        call(api.url, 'POST', `${path}/payments`, { amount: 1_250_000, reference: `wire-${path}` }),
        200,
      );
      await expectOk(
        call(api.url, 'POST', `${path}/shipment`, { carrier: 'Maersk', trackingNumber: 'MSKU1' }),
        200,
      );
      await expectOk(call(api.url, 'POST', `${path}/delivery`, {}), 200);
      await expectOk(call(api.url, 'POST', `${path}/inspection`, conformingReport), 200);
      await expect
        .poll(async () => (await call(api.url, 'GET', path)).body, { timeout: 30_000 })
        .toMatchObject({ status: 'closed', outcome: 'released' });
      const ledger = await call(api.url, 'GET', `${path}/ledger`);
      expect(ledger.body.entries.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
        ['funding', 1_250_000],
        ['release', 1_250_000],
      ]);
      closed.push(contract.orderId);
    }
    expect(worker.child.exitCode).toBeNull();
    expect(api.child.exitCode).toBeNull();

    // The first token is dead: the server checks expiry, so the processes above held fresh ones.
    const stale = Connection.lazy({
      address: cluster.frontendAddress,
      apiKey: early.accessToken,
      tls: false,
    });
    try {
      await expectRefused(() =>
        stale.workflowService.listWorkflowExecutions({ namespace: 'default', query: '' }),
      );
    } finally {
      await stale.close();
    }
  }, 240_000);
});
