import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { startCreditLineWorkflow } from '../../api/credit-line-start.js';
import { creditLineQuery } from '../../workflows/credit-line/model/messages.js';
import type { CreditLineSettings, CreditLineSnapshot } from '../../workflows/credit-line/model/state.js';
import {
  type CreditApplication,
  type CreditApplicationInput,
  CreditApplicationSchema,
} from '../../workflows/credit-line/schemas/application.js';
import type { creditLine } from '../../workflows/credit-line/workflow.js';
import { type ApiUnderTest, eventually } from './api-client.js';
import type { Harness } from './harness.js';

export type LineHandle = WorkflowHandle<typeof creditLine>;

/** An applicant the scorecard offers the whole limit at 1.15 % (docs/credit.md#the-scorecard). */
export function testApplication(overrides: Partial<CreditApplicationInput> = {}): CreditApplicationInput {
  return {
    lineId: `L-${randomUUID()}`,
    buyer: { id: `buyer-${randomUUID().slice(0, 8)}`, name: 'Acme Buyer' },
    country: 'AU',
    currency: 'AUD',
    requestedLimit: 10_000_000,
    business: { registrationNumber: 'ABN 51 824 753 556', yearsTrading: 12, annualRevenue: 600_000_000 },
    documents: [
      { kind: 'bank_statement', uri: 'https://files.example.com/bank.pdf', sha256: 'a'.repeat(64) },
      { kind: 'financials', uri: 'https://files.example.com/fy2026.pdf', sha256: 'b'.repeat(64) },
    ],
    ...overrides,
  };
}

export const TEST_LINE_SETTINGS: CreditLineSettings = { verificationTarget: 'PT60S', minLimit: 500_000 };

export async function startLine(
  h: Harness,
  overrides: Partial<CreditApplicationInput> = {},
  settings: Partial<CreditLineSettings> = {},
): Promise<LineHandle> {
  const application: CreditApplication = {
    ...CreditApplicationSchema.parse(testApplication(overrides)),
    appliedAt: new Date().toISOString(),
  };
  return startCreditLineWorkflow(h.client, application, { ...TEST_LINE_SETTINGS, ...settings }, h.taskQueue);
}

export async function waitForLine(
  handle: LineHandle,
  done: (s: CreditLineSnapshot) => boolean,
  timeoutMs = 30_000,
): Promise<CreditLineSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let last: CreditLineSnapshot | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(creditLineQuery);
      if (done(last)) return last;
    } catch {
      // Between two runs of a line that continued as new, the Query waits for the next one.
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`line never reached the expected state in ${timeoutMs}ms; it is ${last?.status}`);
}

/**
 * A line applied for over HTTP, by a buyer of its own, that the scorecard offers AUD 100,000.00 and
 * an underwriter approved (or, `verified: false`, left in verification).
 */
export async function lineOverHttp(
  api: ApiUnderTest,
  { verified = true, terms }: { verified?: boolean; terms?: CreditApplicationInput['terms'] } = {},
) {
  const application = testApplication({
    buyer: { id: `buyer-${randomUUID().slice(0, 8)}` },
    ...(terms && { terms }),
  });
  const created = await api.call('POST', '/v1/credit-lines', { body: application });
  if (created.status !== 201) throw new Error(`application answered ${created.status}`);
  await eventually(
    () => api.call('GET', `/v1/credit-lines/${application.lineId}`, { as: 'reader' }),
    (r) => r.body.status === 'verification',
    60_000,
  );
  if (verified) {
    const v = await api.call('POST', `/v1/credit-lines/${application.lineId}/verification`, {
      as: 'underwriter',
      body: { approve: true, underwriter: 'Dana Underwriter', notes: 'statements match' },
    });
    if (v.status !== 200) throw new Error(`verification answered ${v.status}`);
  }
  return application;
}
