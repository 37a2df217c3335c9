import { parseDuration } from '../workflows/schemas/duration.js';

/**
 * The credit lines' settings (docs/credit.md#settings), from the environment: the limits a line
 * may have in each currency, and the underwriter's target.
 */
export interface CreditSettings {
  /** Per currency, the smallest and the largest line (minor units); a currency not named offers none. */
  limits: Record<string, { min: number; max: number }>;
  /** ISO 8601: from the scorecard's decision to the underwriter's (default P1D). */
  verificationTarget: string;
}

/** AUD 5,000–300,000, the seed's range. */
export const DEFAULT_CREDIT_LIMITS = 'AUD:500000-30000000';
export const DEFAULT_VERIFICATION_TARGET = 'P1D';

/** `AUD:500000-30000000,USD:500000-20000000`. */
export function parseCreditLimits(spec: string): CreditSettings['limits'] {
  const limits: CreditSettings['limits'] = {};
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([A-Z]{3}):(\d{1,16})-(\d{1,16})$/.exec(entry);
    if (!m) throw new Error(`"${entry}" is not CURRENCY:min-max in minor units (e.g. AUD:500000-30000000)`);
    const [, currency, low, high] = m as unknown as [string, string, string, string];
    const [min, max] = [Number(low), Number(high)];
    if (currency in limits) throw new Error(`${currency} is given twice`);
    if (!Number.isSafeInteger(max) || min <= 0 || min > max) {
      throw new Error(`${entry}: the range must be 0 < min ≤ max, in safe integers`);
    }
    limits[currency] = { min, max };
  }
  return limits;
}

export function creditSettings(
  env: { CREDIT_LINE_LIMITS?: string; CREDIT_VERIFICATION_TARGET?: string } = {},
): CreditSettings {
  const target = env.CREDIT_VERIFICATION_TARGET ?? DEFAULT_VERIFICATION_TARGET;
  if ((parseDuration(target) ?? 0) <= 0) {
    throw new Error(`CREDIT_VERIFICATION_TARGET: "${target}" is not an ISO 8601 duration longer than PT0S`);
  }
  return {
    limits: parseCreditLimits(env.CREDIT_LINE_LIMITS ?? DEFAULT_CREDIT_LIMITS),
    verificationTarget: target,
  };
}

export const DEFAULT_CREDIT_SETTINGS = creditSettings();
