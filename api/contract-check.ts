import { validatorCompiler } from 'fastify-type-provider-zod';
import { reportOutcome } from '../workflows/rules/report-outcome.js';
import {
  ContractInputSchema,
  DEFAULT_TRANSIT_WINDOW,
  type ParsedContractInput,
  type QualityTerm,
} from '../workflows/schemas/contract.js';
import { parseDuration } from '../workflows/schemas/duration.js';
import type { InspectionReport } from '../workflows/schemas/inspection-report.js';
import { type Problem, refusalProblem } from './plugins/problem-json.js';
import type { ContractCheck, ContractWarning } from './schemas/contract-check.js';
import type { TemporalOrders } from './temporal-orders.js';

/**
 * `POST /v1/contracts/check` (docs/api.md#contract-check): the create's own checks, run on a
 * contract without creating it, the risks a buyer should know before signing, and what each sample
 * report would lead to.
 */

const DAY_MS = 24 * 3600 * 1000;
const SHORT_INSPECTION_MS = 3 * DAY_MS;
/** A deposit under this share of the amount (in percent) leaves the supplier little at stake before shipment. */
const LOW_DEPOSIT_PCT = 30;
/** Fees above this many basis points of what the supplier is paid take a notable share of the deal. */
const HIGH_FEES_BPS = 1000;

/** The create's schema, compiled as the route compiles it: a schema error here is the create's 400. */
const validateContract = validatorCompiler({
  schema: ContractInputSchema,
  method: 'POST',
  url: '/v1/orders',
});

export async function checkContract(
  orders: Pick<TemporalOrders, 'createRefusals'>,
  body: { contract: unknown; reports?: InspectionReport[] },
  now: Date,
): Promise<ContractCheck> {
  const parsed = validateContract(body.contract) as { value?: ParsedContractInput; error?: unknown };
  if (parsed.value === undefined) {
    return {
      valid: false,
      problems: [asProblem({ validation: parsed.error, validationContext: 'body' })],
      warnings: [],
      simulations: [],
    };
  }
  const input = parsed.value;
  const problems = (await orders.createRefusals(input, now)).map(asProblem);
  return {
    valid: problems.length === 0,
    problems,
    warnings: contractWarnings(input),
    simulations: (body.reports ?? []).map((report, index) => simulation(input, report, index)),
  };
}

function asProblem(refusal: unknown): ContractCheck['problems'][number] {
  const problem = refusalProblem(refusal) as Problem;
  const { headers: _, ...document } = problem;
  // The program's refusal names a SupplierStatus; the problem's extensions type it as text.
  return document as ContractCheck['problems'][number];
}

/** Each report as if the order were funded in full: the evaluation, where it leads, and the money. */
function simulation(input: ParsedContractInput, report: InspectionReport, index: number) {
  const { evaluation, status, claim, settlement } = reportOutcome(input, report, input.amount, input.fees);
  return {
    report: index,
    evaluation,
    status,
    ...(claim && { claim }),
    suggestedRefund: evaluation.suggestedRefund,
    settlement,
  };
}

/** The coded risks of a contract (docs/api.md#contract-check), in the order of its fields. */
export function contractWarnings(input: ParsedContractInput): ContractWarning[] {
  const warnings: ContractWarning[] = [];
  const warn = (code: ContractWarning['code'], path: string, message: string) =>
    warnings.push({ code, path, message });
  if (input.quality.length === 0) {
    warn(
      'no_quality_terms',
      'quality',
      'the contract has no quality term: no report can contradict it on quality, only on quantity',
    );
  }
  input.quality.forEach((term, i) => {
    const why = unfailable(term);
    if (why) warn('unfailable_term', `quality.${i}`, `${term.attribute}: ${why}; no measurement can fail it`);
  });
  if (input.quantity.tolerancePct === 0) {
    warn(
      'zero_quantity_tolerance',
      'quantity.tolerancePct',
      'no quantity tolerance: any shortfall, however small, opens a dispute',
    );
  }
  if (input.deliverBy === undefined) {
    warn(
      'no_deliver_by',
      'deliverBy',
      `no deliverBy: the goods may take the transit window (${input.transitWindow ?? DEFAULT_TRANSIT_WINDOW}) after shipment before a non-delivery dispute opens`,
    );
  }
  if ((parseDuration(input.inspectionWindow) ?? 0) < SHORT_INSPECTION_MS) {
    warn(
      'short_inspection_window',
      'inspectionWindow',
      `an inspection window of ${input.inspectionWindow} is shorter than P3D: a buyer silent that long has accepted`,
    );
  }
  const deposit = input.deposit ?? input.amount;
  if (deposit * 100 < input.amount * LOW_DEPOSIT_PCT) {
    warn(
      'low_deposit',
      'deposit',
      `the deposit (${deposit}) is under ${LOW_DEPOSIT_PCT} % of the amount (${input.amount}): the order ships on little money in escrow`,
    );
  }
  if (input.fees) {
    const { commissionBps, minimum = 0 } = input.fees;
    if (commissionBps > HIGH_FEES_BPS) {
      warn(
        'high_fees',
        'fees.commissionBps',
        `a commission of ${commissionBps} bps takes more than ${HIGH_FEES_BPS / 100} % of what the supplier is paid`,
      );
    }
    // minimum / amount > 10 %, in BigInt: both sides may pass 2^53.
    if (BigInt(minimum) * 10_000n > BigInt(input.amount) * BigInt(HIGH_FEES_BPS)) {
      warn(
        'high_fees',
        'fees.minimum',
        `the minimum fee (${minimum}) is more than ${HIGH_FEES_BPS / 100} % of the amount (${input.amount}); on a smaller release it takes more still, up to all of it`,
      );
    }
  }
  return warnings;
}

/** Pairs of answers that between them say everything a yes/no reading can. */
const COMPLEMENTS = [
  ['yes', 'no'],
  ['true', 'false'],
  ['pass', 'fail'],
  ['passed', 'failed'],
  ['y', 'n'],
  ['1', '0'],
  ['present', 'absent'],
];

/** Why the term's bounds cannot fail, or undefined when a measurement can. */
function unfailable(term: QualityTerm): string | undefined {
  if (term.oneOf === undefined && term.max === undefined && term.min !== undefined && term.min <= 0) {
    return `min ${term.min} with no max admits every non-negative quantity`;
  }
  if (term.oneOf !== undefined && term.min === undefined && term.max === undefined) {
    const options = new Set(term.oneOf.map((o) => String(o).trim().toLowerCase()));
    const pair = COMPLEMENTS.find(([a, b]) => options.has(a as string) && options.has(b as string));
    if (pair) return `oneOf lists both "${pair[0]}" and "${pair[1]}", every answer there is`;
  }
  return undefined;
}
