/** The soak's figures, as printed and as written to docs/reliability.md. */
export interface Figures {
  date: string;
  durationS: number;
  orders: number;
  byPath: Record<string, number>;
  faults: { kind: string; detail: string; recoveryMs: number }[];
  timersDueDuringOutage: number;
  requests: number;
  refused: number;
  retried: number;
  unavailable: number;
  connectionErrors: number;
  hostile: number;
  accessCells: number;
  byStatus: Record<string, number>;
  ledgerTransactionsChecked: number;
  phases: { name: string; transactions: number; violations: number; lost: number; doubled: number }[];
  invariantViolations: number;
  findings: string[];
  moneyLost: number;
  moneyDoubled: number;
  notClosedAsExpected: number;
  serverErrors: number;
  workflowTaskFailures: number;
  secretLeaks: number;
  logBytes: number;
  webhookDeliveries: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderFigures(f: Figures): string {
  const faultKinds = new Map<string, number>();
  for (const fault of f.faults) faultKinds.set(fault.kind, (faultKinds.get(fault.kind) ?? 0) + 1);
  const lines = [
    '# Reliability: the chaos soak',
    '',
    '`npm run test:chaos` (test/chaos/) starts PostgreSQL, a Temporal dev server on a SQLite file, two',
    'worker processes and two API processes, and drives orders over every path of the lifecycle over',
    'HTTP with clients that retry with `Idempotency-Key`, while the fault schedule below kills and',
    'restarts the pieces under them and hostile requests arrive at the same time. The ledger is checked',
    "in SQL after every fault and at the end, against the test's own model of every order. These are",
    'the figures of the last run; the run rewrites this file.',
    '',
    `Run of ${f.date}, ${f.durationS} s in all on this machine.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| orders | ${f.orders} (${Object.entries(f.byPath)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}; the rest are fuzzing targets, recovery probes, race and timer orders) |`,
    `| faults injected | ${f.faults.length}: ${[...faultKinds].map(([k, n]) => `${k} ×${n}`).join(', ')} |`,
    `| timers due while Temporal was down | ${f.timersDueDuringOutage} |`,
    `| HTTP requests sent | ${f.requests} |`,
    `| refused (4xx answers) | ${f.refused} |`,
    `| retried (same Idempotency-Key) | ${f.retried}, of which ${f.connectionErrors} after a lost connection |`,
    `| 503 answers (all inside injected outages) | ${f.unavailable} |`,
    `| hostile, duplicate and out-of-order requests | ${f.hostile} |`,
    `| access matrix cells (route × credential) | ${f.accessCells} |`,
    `| answers by status | ${Object.entries(f.byStatus)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')} |`,
    `| ledger transactions checked (summed over ${f.phases.length} checks) | ${f.ledgerTransactionsChecked} |`,
    `| invariant violations | ${f.invariantViolations} |`,
    `| money lost (minor units) | ${f.moneyLost} |`,
    `| money doubled (minor units) | ${f.moneyDoubled} |`,
    `| orders not closed as expected | ${f.notClosedAsExpected} |`,
    `| 5xx other than 503 in an outage | ${f.serverErrors} |`,
    `| workflow task failures | ${f.workflowTaskFailures} |`,
    `| API keys, webhook secret or event signing key found in ${Math.round(f.logBytes / 1024)} KiB of logs | ${f.secretLeaks} |`,
    `| webhook deliveries received | ${f.webhookDeliveries} |`,
    '',
    '## Time to recover after each fault',
    '',
    'From the fault until a new order was created and paid (a ledger write through a workflow and an',
    'activity) by a client that retries.',
    '',
    '| fault | detail | recovered in |',
    '|---|---|---|',
    ...f.faults.map((fault) => `| ${fault.kind} | ${fault.detail} | ${seconds(fault.recoveryMs)} |`),
    '',
    '## Ledger checks',
    '',
    '| after | transactions | violations | lost | doubled |',
    '|---|---|---|---|---|',
    ...f.phases.map((p) => `| ${p.name} | ${p.transactions} | ${p.violations} | ${p.lost} | ${p.doubled} |`),
    '',
  ];
  if (f.findings.length > 0) {
    lines.push('## Findings', '', ...f.findings.slice(0, 50).map((x) => `- ${x.replaceAll('|', '\\|')}`), '');
  }
  return lines.join('\n');
}
