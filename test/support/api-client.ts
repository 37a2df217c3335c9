import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { type AppDeps, buildApp } from '../../api/app.js';
import { generateApiKey, parseApiKeys, ROLES, type Role } from '../../config/api-keys.js';
import { loadConfig } from '../../config/env.js';
import { programSettings } from '../../config/program.js';
import type { ContractInput } from '../../workflows/schemas/contract.js';
import { TEST_EVENT_KEYS } from './event-keys.js';
import { createHarness, type Harness, testContract } from './harness.js';
import { TEST_PROGRAM_ENV } from './test-suppliers.js';

/** The suite's program settings: those of its processes (test-suppliers.ts). */
const TEST_PROGRAM_SETTINGS = programSettings(
  loadConfig({ DATABASE_URL: 'postgres://unused', ...TEST_PROGRAM_ENV }),
);

/**
 * The API of `buildApp` on a real port, called over real HTTP, with one fresh key per role; its
 * metrics on a port of their own.
 */
export interface ApiUnderTest {
  app: FastifyInstance;
  url: string;
  /** Where `GET /metrics` is served (not on `url`). */
  metricsUrl: string;
  keys: Record<Role, string>;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads snapshots and problems from the same call
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** JSON-encoded unless it is a string already. */
  body?: unknown;
  /** A role's key (default marketplace), a raw key, or null for no Authorization header. */
  as?: Role | null;
  key?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export async function startApi(h: Harness, overrides: Partial<AppDeps> = {}): Promise<ApiUnderTest> {
  const keys = Object.fromEntries(ROLES.map((role) => [role, generateApiKey()])) as Record<Role, string>;
  const app = await buildApp({
    temporal: h.client,
    pool: h.pool,
    taskQueue: h.taskQueue,
    program: TEST_PROGRAM_SETTINGS,
    apiKeys: parseApiKeys(ROLES.map((role) => `${role}:${keys[role]}`).join(',')),
    // A test that scrapes wants the counts of now; test/api/metrics.test.ts tests the cache.
    metricsCacheSeconds: 0,
    eventSigningKey: TEST_EVENT_KEYS.secretKey,
    ...overrides,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const metricsUrl = await app.listenMetrics({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    metricsUrl,
    keys,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key ?? (options.as === null ? undefined : keys[options.as ?? 'marketplace']);
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      return {
        status: response.status,
        headers: response.headers,
        body: type.includes('json') ? JSON.parse(text) : text,
      };
    },
    close: () => app.close(),
  };
}

/** Visibility is eventually consistent: ask until the answer satisfies `done`. */
export async function eventually<T>(ask: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await ask();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * An order driven over HTTP as the marketplace through payment in full, shipment and delivery to a
 * claim in negotiation (docs/spec.md#claims); its id. The claim's fields can be changed.
 */
export async function inNegotiation(
  api: ApiUnderTest,
  contract: Partial<ContractInput> = {},
  claim: Partial<{ reason: string; requestedRefund: number }> = {},
): Promise<string> {
  const body = testContract(contract);
  const { orderId } = body;
  const post = (event: string, json: unknown) =>
    api.call('POST', `/v1/orders/${orderId}/${event}`, { body: json });
  expect((await api.call('POST', '/v1/orders', { body })).status).toBe(201);
  await post('payments', { amount: body.amount, reference: 'wire-1' });
  await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
  await post('delivery', {});
  const filed = await post('claims', {
    reason: 'quality',
    description: 'mouldy bags',
    requestedRefund: 400_000,
    evidence: [],
    ...claim,
  });
  expect(filed.body.status).toBe('negotiation');
  return orderId;
}

/**
 * The reads an order's tests make, over HTTP as a reader: its snapshot, the snapshot once closed,
 * its ledger, the types of its feed events. `api` is a getter: the API starts in `beforeAll`.
 */
export function orderReads(api: () => ApiUnderTest) {
  const snapshot = async (orderId: string) =>
    (await api().call('GET', `/v1/orders/${orderId}`, { as: 'reader' })).body;
  const ledgerEntries = async (orderId: string) =>
    (await api().call('GET', `/v1/orders/${orderId}/ledger`, { as: 'reader' })).body.entries;
  return {
    snapshot,
    /** Asks until the order is closed (timers and payouts take a moment), then its snapshot. */
    closed: (orderId: string) =>
      eventually(
        () => snapshot(orderId),
        (s) => s.status === 'closed',
        30_000,
      ),
    ledgerEntries,
    /** `[kind, amount]` of each ledger entry, in order. */
    ledger: async (orderId: string) =>
      (await ledgerEntries(orderId)).map((e: { kind: string; amount: number }) => [e.kind, e.amount]),
    /** Events reach the feed shortly after the order moved: asks until `awaited` is there. */
    eventTypes: async (orderId: string, awaited?: string): Promise<string[]> => {
      const types = (r: { body: { events: { type: string }[] } }) => r.body.events.map((e) => e.type);
      const feed = await eventually(
        () => api().call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
        (r) => awaited === undefined || types(r).includes(awaited),
        30_000,
      );
      return types(feed);
    },
  };
}

/** A worker and a listening API for the test file, shut down after it; `ready` hands them over. */
export function withApi(ready: (under: { h: Harness; api: ApiUnderTest }) => void): void {
  let h: Harness | undefined;
  let api: ApiUnderTest | undefined;
  beforeAll(async () => {
    h = await createHarness();
    await h.startWorker();
    api = await startApi(h);
    ready({ h, api });
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });
}
