import type { Contract } from '../schemas/contract.js';
import type { InspectionReport } from '../schemas/inspection-report.js';
import type { Evaluation, QuantityCheck, Violation } from '../schemas/snapshot.js';

/**
 * Quality evaluation of docs/spec.md#quality-evaluation: a pure function of (contract, report). It runs
 * inside the Temporal workflow sandbox and its result is replayed from history, so it must stay deterministic
 * and import nothing at runtime. It is also what an arbitrator reads, so every violation carries its own
 * human-readable `expected` text.
 *
 * It never throws: a report reaches it after schema validation, but a workflow that threw here would be
 * stuck on a bad payload forever, so anything that slips through (NaN, Infinity, wrong types) is
 * treated as failing whatever bound it meets.
 */

export type EvaluatedContract = Pick<Contract, 'amount' | 'quantity' | 'quality'>;

export function evaluateQuality(contract: EvaluatedContract, report: InspectionReport): Evaluation {
  const violations: Violation[] = [];
  const unmeasured: string[] = [];
  const measurements = lookupTable(isRecord(report) ? report.measurements : undefined);
  const terms: unknown[] = isRecord(contract) && Array.isArray(contract.quality) ? contract.quality : [];

  for (const term of terms) {
    if (!isRecord(term)) continue;
    const attribute = typeof term.attribute === 'string' ? term.attribute : '';
    const value = measurements(attribute);
    // null is how a JSON client says "not measured", so it must not count as a reading that fails.
    if (value === undefined || value === null) {
      unmeasured.push(attribute);
      continue;
    }
    const violation = checkTerm(term, attribute, value);
    if (violation) violations.push(violation);
  }

  const { check, violation, refund } = checkQuantity(
    isRecord(contract) ? contract.amount : 0,
    isRecord(contract) ? contract.quantity : undefined,
    isRecord(report) ? report.receivedQuantity : undefined,
  );
  if (violation) violations.push(violation);

  return {
    conforms: violations.length === 0,
    complete: unmeasured.length === 0,
    violations,
    unmeasured,
    quantity: check,
    suggestedRefund: refund,
  };
}

// ---------------------------------------------------------------------------------------------------
// Quality terms

/**
 * Exact attribute names win; otherwise names are matched trimmed and case-insensitively, because an
 * inspector typing "Moisture " for the contract's "moisture" has still measured it.
 */
function lookupTable(raw: unknown): (attribute: string) => unknown {
  const own: Record<string, unknown> = isRecord(raw) ? raw : {};
  const loose = new Map<string, unknown>();
  for (const key of Object.keys(own)) {
    const normalized = normalizeText(key);
    if (!loose.has(normalized)) loose.set(normalized, own[key]);
  }
  return (attribute) =>
    Object.hasOwn(own, attribute) ? own[attribute] : loose.get(normalizeText(attribute));
}

function checkTerm(term: Record<string, unknown>, attribute: string, value: unknown): Violation | undefined {
  const unit = typeof term.unit === 'string' && term.unit.trim() !== '' ? term.unit.trim() : undefined;
  const min = typeof term.min === 'number' ? term.min : undefined;
  const max = typeof term.max === 'number' ? term.max : undefined;
  const oneOf: unknown[] | undefined = Array.isArray(term.oneOf) ? term.oneOf : undefined;

  let conforms = true;
  if (min !== undefined || max !== undefined) {
    const n = numericValue(value, unit);
    conforms =
      n !== undefined &&
      Number.isFinite(n) &&
      (min === undefined || n >= min) &&
      (max === undefined || n <= max);
  }
  if (conforms && oneOf !== undefined) conforms = oneOf.some((option) => sameValue(value, option, unit));
  if (conforms) return undefined;

  return {
    attribute,
    expected: describeTerm(min, max, oneOf, unit),
    actual: typeof value === 'string' || isFiniteNumber(value) ? value : null,
    ...(unit !== undefined ? { unit } : {}),
  };
}

// Plain decimal or scientific notation only: Number() alone would also accept "", "0x1f" and
// "Infinity", none of which an inspector means as a measured quantity.
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a measurement stands for: a number, or a numeric string, optionally suffixed by the term's unit ("12.5 %"). */
function numericValue(value: unknown, unit: string | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  let text = value.trim();
  if (unit !== undefined && text.length > unit.length) {
    const tail = text.slice(text.length - unit.length);
    if (tail.toLowerCase() === unit.toLowerCase()) text = text.slice(0, text.length - unit.length).trim();
  }
  return NUMERIC_TEXT.test(text) ? Number(text) : undefined;
}

/**
 * Text compares trimmed and case-insensitively; anything numeric (a number, or a numeric string) also
 * compares by value, so 12.5, "12.5" and "12.50" are the same reading. A non-finite number matches
 * nothing, not even the text "NaN".
 */
function sameValue(value: unknown, option: unknown, unit: string | undefined): boolean {
  const a = comparableText(value);
  const b = comparableText(option);
  if (a !== undefined && a === b) return true;
  const x = numericValue(value, unit);
  const y = numericValue(option, unit);
  return x !== undefined && y !== undefined && Number.isFinite(x) && x === y;
}

function comparableText(value: unknown): string | undefined {
  if (typeof value === 'string') return normalizeText(value);
  if (isFiniteNumber(value)) return String(value).toLowerCase();
  return undefined;
}

function normalizeText(text: string): string {
  return text.trim().toLowerCase();
}

function describeTerm(
  min: number | undefined,
  max: number | undefined,
  oneOf: unknown[] | undefined,
  unit: string | undefined,
): string {
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) {
    parts.push(
      withUnit(min === max ? `exactly ${show(min)}` : `between ${show(min)} and ${show(max)}`, unit),
    );
  } else if (min !== undefined) {
    parts.push(withUnit(`≥ ${show(min)}`, unit));
  } else if (max !== undefined) {
    parts.push(withUnit(`≤ ${show(max)}`, unit));
  }
  if (oneOf !== undefined) {
    // "one of: A, B kg" would read as if only B were in kilograms; a unit is only appended to a list of numbers.
    const allNumeric = oneOf.every((option) => numericValue(option, undefined) !== undefined);
    parts.push(withUnit(`one of: ${oneOf.map(show).join(', ')}`, allNumeric ? unit : undefined));
  }
  return parts.join(' and ');
}

// ---------------------------------------------------------------------------------------------------
// Quantity and the suggested refund

/**
 * Quantities become integers in millionths so that the tolerance check and the refund are exact:
 * `0.07 * 100` is 7.000000000000001 in floating point, which would turn a shortfall of exactly the
 * tolerance into a violation, and money must never pass through a float.
 */
const SCALE = 1_000_000;
const SCALE_N = 1_000_000n;
const HUNDRED_PCT = 100n * SCALE_N;

function checkQuantity(
  amountRaw: unknown,
  quantity: unknown,
  receivedRaw: unknown,
): { check: QuantityCheck; violation?: Violation; refund: number } {
  const q = isRecord(quantity) ? quantity : {};
  const unit = typeof q.unit === 'string' ? q.unit : '';
  const tolerancePct = isFiniteNumber(q.tolerancePct) && q.tolerancePct > 0 ? q.tolerancePct : 0;
  const orderedValue = isFiniteNumber(q.ordered) && q.ordered > 0 ? q.ordered : 0;
  // Receiving a negative or unreadable quantity confirms nothing arrived; Infinity is an over-delivery.
  const received =
    typeof receivedRaw === 'number' && !Number.isNaN(receivedRaw) ? Math.max(0, receivedRaw) : 0;

  const ordered = scaled(orderedValue);
  const noShortfall: QuantityCheck = {
    ordered: orderedValue,
    received,
    unit,
    tolerancePct,
    shortfall: 0,
    shortfallPct: 0,
    withinTolerance: true,
  };
  // Without a positive ordered quantity there is nothing to fall short of.
  if (ordered === undefined || ordered <= 0n || received >= orderedValue)
    return { check: noShortfall, refund: 0 };

  const receivedScaled = scaled(received) ?? 0n;
  const shortfall = ordered > receivedScaled ? ordered - receivedScaled : 0n;
  if (shortfall === 0n) return { check: noShortfall, refund: 0 };

  const tolerance = scaled(tolerancePct) ?? 0n;
  // shortfall / ordered * 100 <= tolerancePct, cross-multiplied so that no division rounds.
  const withinTolerance = shortfall * HUNDRED_PCT <= tolerance * ordered;
  const check: QuantityCheck = {
    ...noShortfall,
    shortfall: Number(shortfall) / SCALE,
    shortfallPct: (Number(shortfall) * 100) / Number(ordered),
    withinTolerance,
  };
  if (withinTolerance) return { check, refund: 0 };

  const amount = isFiniteNumber(amountRaw) && amountRaw > 0 ? amountRaw : 0;

  // The least acceptable quantity, rounded up so that receiving exactly the number shown conforms.
  // Past this point tolerance < 100 %, since no shortfall can exceed 100 %.
  const least = ceilDiv(ordered * (HUNDRED_PCT - tolerance), HUNDRED_PCT);
  const violation: Violation = {
    attribute: 'quantity',
    expected: `${withUnit(`≥ ${show(Number(least) / SCALE)}`, unit)} (${withUnit(show(orderedValue), unit)} ordered, ${show(tolerancePct)}% tolerance)`,
    actual: isFiniteNumber(receivedRaw) ? receivedRaw : null,
    ...(unit !== '' ? { unit } : {}),
  };
  return { check, violation, refund: proRataRefund(amount, check) };
}

/**
 * The pro-rata refund of a quantity shortfall beyond tolerance, on `base` minor units:
 * `floor(base × shortfall / ordered)`, in integers; 0 without such a shortfall. The evaluation
 * gives it on the contract amount, the case file on what escrow covers.
 */
export function proRataRefund(base: number, q: QuantityCheck): number {
  const shortfall = scaled(q.shortfall) ?? 0n;
  const ordered = scaled(q.ordered) ?? 0n;
  if (q.withinTolerance || shortfall <= 0n || ordered <= 0n || base <= 0) return 0;
  const refund = Number((BigInt(Math.floor(Math.min(base, Number.MAX_SAFE_INTEGER))) * shortfall) / ordered);
  return Math.min(Math.max(refund, 0), base);
}

function scaled(value: number): bigint | undefined {
  const n = Math.round(value * SCALE);
  return Number.isFinite(n) ? BigInt(n) : undefined;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

// ---------------------------------------------------------------------------------------------------

function withUnit(text: string, unit: string | undefined): string {
  return unit ? `${text} ${unit}` : text;
}

// String() would throw on an object without a prototype, and this function must not throw.
function show(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : '(not a value)';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
