import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { creditLineQuery, creditLineWorkflowId } from '../../workflows/credit-line/model/messages.js';
import type { ApiClient } from './api-client.js';
import type { Settings } from './options.js';
import type { Progress } from './progress.js';
import { type Distribution, distribution } from './stats.js';

export interface CreditOptions {
  api: ApiClient;
  client: Client;
  settings: Settings;
  run: string;
  progress: Progress;
}

export interface CreditFigures {
  applications: number;
  /** From the application's acceptance to the scorecard's decision, as the line records both. */
  decision: Distribution;
  /** From sending the POST to the API's 201. */
  apply: Distribution;
  approved: number;
  declined: number;
  /** Lines with no decision within 60 s. */
  late: string[];
}

/**
 * The e-Credit Line's promise (docs/credit.md#the-scorecard): `settings.creditLines` applications
 * sent at once over HTTP, each decided within 60 s. The decision time is the line's own
 * (`scoredAt − appliedAt`, both on the workflow's clock); the bench reads it with the Query.
 */
export async function creditSection(o: CreditOptions): Promise<CreditFigures> {
  const count = o.settings.creditLines;
  o.progress(`credit: ${count} applications at once`);
  const ids = Array.from({ length: count }, (_, i) => `bench-line-${o.run}-${i}`);
  const apply = await Promise.all(
    ids.map(async (lineId, i) => {
      const { ms } = await o.api.post('/v1/credit-lines', {
        lineId,
        buyer: { id: `bench-buyer-${o.run}-${i}` },
        country: 'AU',
        currency: 'AUD',
        requestedLimit: 10_000_000,
        // Half the applicants are established, half are not: both paths of the scorecard.
        business: {
          registrationNumber: `ABN ${i}`,
          yearsTrading: i % 2 === 0 ? 12 : 0,
          annualRevenue: i % 2 === 0 ? 600_000_000 : 1_000_000,
        },
        documents: [
          {
            kind: 'bank_statement',
            uri: `https://files.example.com/${randomUUID()}.pdf`,
            sha256: 'a'.repeat(64),
          },
        ],
      });
      return ms;
    }),
  );
  const decisions: number[] = [];
  let approved = 0;
  let declined = 0;
  const late: string[] = [];
  const deadline = Date.now() + 120_000;
  for (const lineId of ids) {
    const handle = o.client.workflow.getHandle(creditLineWorkflowId(lineId));
    for (;;) {
      const line = await handle.query(creditLineQuery);
      if (line.scoredAt) {
        const ms = Date.parse(line.scoredAt) - Date.parse(line.appliedAt);
        decisions.push(ms);
        if (ms > 60_000) late.push(lineId);
        if (line.status === 'declined') declined++;
        else approved++;
        break;
      }
      if (Date.now() > deadline) {
        late.push(lineId);
        break;
      }
      await sleep(200);
    }
  }
  const decision = distribution(decisions);
  o.progress(
    `  decided p50 / p99 ${decision.p50} / ${decision.p99} ms (${approved} approved, ${declined} declined)`,
  );
  return { applications: count, decision, apply: distribution(apply), approved, declined, late };
}
