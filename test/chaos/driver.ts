import type { ContractInput } from '../../workflows/schemas/contract.js';
import { conformingReport, contradictingReport } from '../support/scenarios.js';
import type { Answer, ChaosClient, Request } from './client.js';
import { sleep } from './cluster.js';
import { type OrderModel, PATHS, type PathDef, type PathName, type Step } from './order-paths.js';

const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

export function newOrder(
  path: PathName,
  orderId: string,
  amount: number,
  overrides: Partial<ContractInput> = {},
): OrderModel {
  const contract: ContractInput = {
    orderId,
    buyer: { id: `buyer-${orderId.length % 7}`, name: 'Acme Buyer' },
    supplier: { id: `supplier-${orderId.length % 5}`, name: 'Steel Supplier' },
    currency: 'USD',
    amount,
    quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
    quality: [
      { attribute: 'moisture', max: 12, unit: '%' },
      { attribute: 'grade', oneOf: ['A', 'B'] },
    ],
    ...(PATHS[path] as PathDef).contract(at, amount),
    ...overrides,
  } as ContractInput;
  return { orderId, path, amount, contract, payments: [], reversals: [], problems: [] };
}

export interface DriverOptions {
  client: ChaosClient;
  arbitrator: ChaosClient;
  /** Duplicate and out-of-order events sent along the way (each must be refused or be a no-op). */
  abuse: boolean;
  onStep?: (m: OrderModel, step: Step | { kind: 'create' }) => void;
  counters: { abusive: number };
}

/** Drives one order along its path over HTTP, then waits until the engine says it is closed. */
export async function driveOrder(m: OrderModel, o: DriverOptions): Promise<void> {
  const path = `/v1/orders/${m.orderId}`;
  const fail = (what: string, a: Answer) =>
    m.problems.push(
      `${what}: HTTP ${a.status} after ${a.attempts} attempt(s) ${JSON.stringify(a.body).slice(0, 300)}`,
    );
  /** Whether the order closed because `deadline` lapsed: then it takes no more events, rightly. */
  let lapsedOn: 'shipBy' | 'deliverBy' | undefined;
  const lapsed = async (a: Answer) => {
    if (!lapsedOn || a.status !== 409 || a.body?.currentStatus !== 'closed') return false;
    if (Date.now() <= Date.parse(m.contract[lapsedOn] ?? '')) return false;
    const s = await o.client.send({ method: 'GET', path });
    if (s.status !== 200 || s.body.reason !== LAPSE_REASON[lapsedOn]) return false;
    m.closedAs = { outcome: s.body.outcome, reason: s.body.reason };
    return true;
  };
  const expectRefused = async (what: string, request: Request, statuses: number[]) => {
    o.counters.abusive++;
    const a = await o.client.send(request);
    // Held by a fault until the order had closed on a deadline of its path, then retried: refused.
    const closedMeanwhile = a.status === 409 && a.body?.currentStatus === 'closed' && a.attempts > 1;
    if (!statuses.includes(a.status) && !closedMeanwhile && !(await lapsed(a)))
      fail(`${what} (expected ${statuses.join('/')})`, a);
  };

  const created = await o.client.send({ method: 'POST', path: '/v1/orders', body: m.contract });
  // 200 when a retry found the order its first attempt created.
  if (created.status !== 201 && !(created.status === 200 && created.attempts > 1)) {
    fail('create', created);
    return;
  }
  o.onStep?.(m, { kind: 'create' });

  let payments = 0;
  for (const step of (PATHS[m.path] as PathDef).steps) {
    const last = step === (PATHS[m.path] as PathDef).steps.at(-1);
    let request: Request;
    let client = o.client;
    switch (step.kind) {
      case 'pay': {
        const payment = { amount: step.amount(m), reference: `wire-${++payments}` };
        const a = await o.client.send({ method: 'POST', path: `${path}/payments`, body: payment });
        if (a.status !== 200) {
          fail(`payment ${payment.reference}`, a);
          return;
        }
        m.payments.push(payment);
        o.onStep?.(m, step);
        if (o.abuse) {
          // A marketplace resending a payment: the same reference is a no-op, another amount a 422.
          await expectRefused(
            'same payment again',
            { method: 'POST', path: `${path}/payments`, body: payment },
            [200],
          );
          await expectRefused(
            'same reference, another amount',
            { method: 'POST', path: `${path}/payments`, body: { ...payment, amount: payment.amount + 1 } },
            [422],
          );
        }
        continue;
      }
      case 'reverse': {
        const reference = m.payments.at(-1)?.reference ?? 'none';
        const n = m.reversals.filter((r) => r.reference === reference).length + 1;
        const reversal = { amount: step.amount(m), reason: step.reason };
        const a = await o.client.send({
          method: 'POST',
          path: `${path}/payments/${reference}/reversal`,
          body: reversal,
        });
        if (a.status !== 200) {
          fail(`reversal ${n} of ${reference}`, a);
          return;
        }
        m.reversals.push({ reference, n, amount: reversal.amount });
        o.onStep?.(m, step);
        if (o.abuse) {
          // More than is left of the payment: refused, nothing reversed.
          await expectRefused(
            'reversal above the payment',
            {
              method: 'POST',
              path: `${path}/payments/${reference}/reversal`,
              body: { amount: m.amount, reason: step.reason },
            },
            [409, 422],
          );
        }
        continue;
      }
      case 'ship':
        if (o.abuse) {
          await expectRefused(
            'delivery before shipment',
            { method: 'POST', path: `${path}/delivery`, body: {} },
            [409],
          );
        }
        request = {
          method: 'POST',
          path: `${path}/shipment`,
          body: { carrier: 'Maersk', trackingNumber: `MSKU${m.orderId.slice(-6)}` },
        };
        break;
      case 'deliver':
        if (o.abuse) {
          await expectRefused(
            'shipment twice',
            {
              method: 'POST',
              path: `${path}/shipment`,
              body: { carrier: 'Maersk', trackingNumber: 'AGAIN' },
            },
            [409],
          );
        }
        request = { method: 'POST', path: `${path}/delivery`, body: {} };
        break;
      case 'inspect':
        request = {
          method: 'POST',
          path: `${path}/inspection`,
          body: step.conforms ? conformingReport : contradictingReport,
        };
        break;
      case 'post':
        request = { method: 'POST', path: `${path}/${step.route}`, body: step.body(m) };
        break;
      case 'extend': {
        // Agreed after the deadline (the network's faults held the steps before it), the
        // extension comes too late: the order closes for the lapse, as it must.
        if (step.deadline === 'shipBy' || step.deadline === 'deliverBy') lapsedOn = step.deadline;
        const proposal = {
          party: step.party,
          deadline: step.deadline,
          until: step.until(m),
          reason: 'port strike',
        };
        const proposed = await o.client.send({ method: 'POST', path: `${path}/extensions`, body: proposal });
        const extensionId: unknown = proposed.body?.extensions?.at(-1)?.extensionId;
        if (
          !(proposed.status === 201 || (proposed.status === 200 && proposed.attempts > 1)) ||
          !extensionId
        ) {
          if (await lapsed(proposed)) return void (await waitFor(o.client, m, (s) => s.status === 'closed'));
          fail('extension proposal', proposed);
          return;
        }
        const other = step.party === 'buyer' ? 'supplier' : 'buyer';
        if (o.abuse) {
          await expectRefused(
            'a second open proposal for the same deadline',
            { method: 'POST', path: `${path}/extensions`, body: proposal },
            [409],
          );
          await expectRefused(
            'answering one’s own proposal',
            {
              method: 'POST',
              path: `${path}/extensions/${extensionId}`,
              body: { party: step.party, action: 'accept' },
            },
            [422],
          );
        }
        request = {
          method: 'POST',
          path: `${path}/extensions/${extensionId}`,
          body: { party: other, action: step.answer },
        };
        break;
      }
      case 'pass':
        await sleep(Math.max(0, Date.parse(step.deadline(m)) + 5_000 - Date.now()));
        continue;
      case 'cancel':
        request = {
          method: 'POST',
          path: `${path}/cancel`,
          body: { party: step.party, reason: 'changed plans' },
        };
        break;
      case 'arbitrate':
        client = o.arbitrator;
        request = {
          method: 'POST',
          path: `${path}/arbitration`,
          body: {
            outcome: step.outcome,
            ...(step.refund ? { refundAmount: step.refund(m) } : {}),
            ...(step.returnGoods !== undefined && { returnGoods: step.returnGoods }),
            arbitrator: 'arb-chaos',
            rationale: 'decided by the chaos soak',
          },
        };
        break;
      case 'await': {
        const reached = await waitFor(o.client, m, (s) => s.status === step.status || s.status === 'closed');
        if (!reached) return;
        o.onStep?.(m, step);
        continue;
      }
      case 'await_balance_overdue': {
        const reached = await waitFor(o.client, m, (s) => s.balanceOverdue === true || s.status === 'closed');
        if (!reached) return;
        o.onStep?.(m, step);
        continue;
      }
    }
    const a = await client.send(request);
    // A last event whose first answer was lost may find the order already closed by it on retry.
    const appliedThenClosed =
      last && a.status === 409 && a.attempts > 1 && a.body?.currentStatus === 'closed';
    if (a.status !== 200 && !appliedThenClosed) {
      if (await lapsed(a)) return void (await waitFor(o.client, m, (s) => s.status === 'closed'));
      fail(step.kind, a);
      return;
    }
    o.onStep?.(m, step);
    if (o.abuse && step.kind === 'post' && step.route === 'claims') {
      await expectRefused(
        'a second claim',
        { method: 'POST', path: `${path}/claims`, body: step.body(m) },
        [409],
      );
    }
  }
  await waitFor(o.client, m, (s) => s.status === 'closed');
}

/** The reason an order closes with when the deadline passes unmet. */
const LAPSE_REASON = { shipBy: 'late_shipment', deliverBy: 'not_delivered' } as const;

// biome-ignore lint/suspicious/noExplicitAny: the snapshot as the API answers it
async function waitFor(client: ChaosClient, m: OrderModel, done: (s: any) => boolean, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await client.send({ method: 'GET', path: `/v1/orders/${m.orderId}` });
    if (a.status === 200 && done(a.body)) {
      if (a.body.status === 'closed') closedAs(m, a.body);
      return true;
    }
    if (Date.now() > deadline) {
      m.problems.push(
        `never reached the expected status in ${timeoutMs} ms: ${JSON.stringify(a.body).slice(0, 200)}`,
      );
      return false;
    }
    await sleep(1000);
  }
}

/** What a closed order's snapshot says: its outcome, reason and payouts. */
// biome-ignore lint/suspicious/noExplicitAny: the snapshot as the API answers it
export function closedAs(m: OrderModel, snapshot: any): void {
  m.closed = { outcome: snapshot.outcome, reason: snapshot.reason };
  m.payouts = snapshot.payouts;
}
