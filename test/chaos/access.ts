import { COMMAND_ROUTES, type CommandRoute } from '../../api/routes/order-commands.js';
import type { Role } from '../../config/api-keys.js';
import type { ChaosClient } from './client.js';
import type { FuzzRequest } from './fuzz.js';
import type { OrderModel } from './order-paths.js';

const READ_ROLES: readonly Role[] = ['marketplace', 'arbitrator', 'underwriter', 'reader'];

/** Every event route, from the API's command registry: one per Update, a new one included. */
const EVENT_ROUTES = (Object.values(COMMAND_ROUTES) as CommandRoute[])
  .map((r) => ({ method: 'POST', route: `/v1/orders/:orderId/${r.path}`, roles: r.roles, body: r.example }))
  // Last: a cancel that passes closes the target.
  .sort((x, y) => Number(x.route.endsWith('/cancel')) - Number(y.route.endsWith('/cancel')));

/**
 * Every route of the API with the roles that may call it (docs/spec.md#http-api); `null` means
 * open to all. test/api/access-routes.test.ts holds it against the routes the app serves.
 */
export const ACCESS: { method: string; route: string; roles: readonly Role[] | null; body?: unknown }[] = [
  { method: 'GET', route: '/healthz', roles: null },
  { method: 'GET', route: '/readyz', roles: null },
  { method: 'GET', route: '/docs/json', roles: null },
  { method: 'POST', route: '/v1/orders', roles: ['marketplace'], body: 'contract' },
  { method: 'GET', route: '/v1/orders', roles: READ_ROLES },
  { method: 'GET', route: '/v1/orders/:orderId', roles: READ_ROLES },
  { method: 'GET', route: '/v1/orders/:orderId/ledger', roles: READ_ROLES },
  { method: 'GET', route: '/v1/orders/:orderId/events', roles: READ_ROLES },
  { method: 'GET', route: '/v1/orders/:orderId/dossier', roles: READ_ROLES },
  { method: 'GET', route: '/v1/dossier-key', roles: READ_ROLES },
  { method: 'GET', route: '/v1/events', roles: READ_ROLES },
  // The ledger for accounting (docs/ledger.md).
  { method: 'GET', route: '/v1/ledger/transactions', roles: READ_ROLES },
  { method: 'GET', route: '/v1/ledger/balances', roles: READ_ROLES },
  { method: 'GET', route: '/v1/ledger/statements/:date', roles: READ_ROLES },
  // Creates nothing: a check of the target's own kind of contract.
  {
    method: 'POST',
    route: '/v1/contracts/check',
    roles: ['marketplace'],
    body: { contract: { orderId: 'acl-check' }, reports: [] },
  },
  ...EVENT_ROUTES,
  // The supplier program (docs/program.md): its routes name a supplier, not the target order.
  {
    method: 'PUT',
    route: '/v1/suppliers/:supplierId',
    roles: ['marketplace'],
    body: { name: 'Chaos Mill', country: 'DE', enrolled: true },
  },
  { method: 'GET', route: '/v1/suppliers/:supplierId', roles: READ_ROLES },
  { method: 'GET', route: '/v1/suppliers', roles: READ_ROLES },
  { method: 'POST', route: '/v1/suppliers/:supplierId/assessment', roles: ['marketplace'], body: {} },
  {
    method: 'POST',
    route: '/v1/suppliers/:supplierId/inquiries',
    roles: ['marketplace'],
    body: { inquiryId: 'acl-inquiry', receivedAt: '2026-01-01T00:00:00Z' },
  },
  { method: 'GET', route: '/v1/suppliers/:supplierId/profile', roles: READ_ROLES },
  // Public: storefronts embed it with no key.
  { method: 'GET', route: '/v1/suppliers/:supplierId/badge.svg', roles: null },
  // The credit lines (docs/credit.md): their routes name a line of the matrix's own, none of the soak's.
  { method: 'POST', route: '/v1/credit-lines', roles: ['marketplace'], body: 'application' },
  { method: 'GET', route: '/v1/credit-lines/:lineId', roles: READ_ROLES },
  {
    method: 'POST',
    route: '/v1/credit-lines/:lineId/verification',
    roles: ['underwriter'],
    body: { approve: false, underwriter: 'acl', notes: 'access matrix' },
  },
  {
    method: 'POST',
    route: '/v1/credit-lines/:lineId/repayments',
    roles: ['marketplace'],
    body: { amount: 1, reference: 'acl-repayment' },
  },
  { method: 'POST', route: '/v1/credit-lines/:lineId/close', roles: ['marketplace'], body: {} },
];

/** The line the matrix calls the credit routes on. */
const ACCESS_LINE = 'acl-line';

/** The supplier the matrix calls the program's routes on: none of the soak's, so that an assessment changes none of theirs. */
const ACCESS_SUPPLIER = 'acl-supplier';

export type Credential = 'none' | 'unknown' | Role;
export const CREDENTIALS: Credential[] = [
  'none',
  'unknown',
  'marketplace',
  'arbitrator',
  'underwriter',
  'reader',
];

export interface AccessResult {
  cells: number;
  wrong: string[];
}

/**
 * Calls every route with every credential against `target` (an order awaiting funding): no key and
 * an unknown key are 401 on /v1, a role not allowed is 403, an allowed one gets through (then the
 * order's status may still refuse the event: 409). Answers feed the target's model like fuzzing.
 */
export async function accessMatrix(
  client: ChaosClient,
  keys: Record<Role, string>,
  target: OrderModel,
  observe: (request: FuzzRequest, answer: Awaited<ReturnType<ChaosClient['send']>>) => void,
): Promise<AccessResult> {
  const result: AccessResult = { cells: 0, wrong: [] };
  let n = 0;
  for (const entry of ACCESS) {
    for (const credential of CREDENTIALS) {
      n++;
      const key =
        credential === 'none'
          ? null
          : credential === 'unknown'
            ? 'esk_not-a-key-of-this-deployment-0000'
            : keys[credential];
      const body =
        entry.body === 'contract'
          ? {
              orderId: `ACL-${n}-${target.orderId}`,
              buyer: { id: 'b' },
              supplier: { id: 's' },
              currency: 'USD',
              amount: 100,
              shipBy: new Date(Date.now() + 86_400_000).toISOString(),
              quantity: { ordered: 1, unit: 'kg' },
            }
          : entry.body === 'application'
            ? {
                lineId: `${ACCESS_LINE}-${n}`,
                buyer: { id: 'acl-buyer' },
                country: 'AU',
                currency: 'AUD',
                requestedLimit: 500_000,
                business: { registrationNumber: 'ACL', yearsTrading: 0, annualRevenue: 0 },
                documents: [
                  { kind: 'other', uri: 'https://files.example.com/acl.pdf', sha256: '0'.repeat(64) },
                ],
              }
            : // A payment of its own each time, small enough to leave the target awaiting funding.
              entry.route.endsWith('/payments')
              ? { amount: 1000 + n, reference: `acl-${n}` }
              : entry.body;
      const request: FuzzRequest = {
        route: `${entry.method} ${entry.route}`,
        method: entry.method,
        path: entry.route
          .replace(':orderId', target.orderId)
          .replace(':extensionId', 'ext-1')
          .replace(':reference', 'acl-reference')
          .replace(':supplierId', ACCESS_SUPPLIER)
          .replace(':date', '2026-01-01')

          .replace(':lineId', ACCESS_LINE),
        body,
        key,
        mayPass: true,
        target: entry.route.includes(':orderId') ? target : undefined,
      };
      const answer = await client.send(request);
      result.cells++;
      const allowed =
        entry.roles === null ||
        (credential !== 'none' && credential !== 'unknown' && entry.roles.includes(credential));
      const expected = allowed
        ? 'not 401/403'
        : credential === 'none' || credential === 'unknown'
          ? '401'
          : '403';
      const ok = allowed
        ? answer.status !== 401 && answer.status !== 403 && answer.status < 500
        : answer.status === Number(expected);
      if (!ok)
        result.wrong.push(
          `${entry.method} ${entry.route} as ${credential}: ${answer.status}, expected ${expected}`,
        );
      if (allowed) observe(request, answer);
    }
  }
  return result;
}
