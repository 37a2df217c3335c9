import { z } from 'zod';
import {
  ANY_CURRENCY,
  type Factor,
  type ProgramSettings,
  parseFactor,
  parseThousandths,
} from '../workflows/rules/program.js';
import { parseDuration } from '../workflows/schemas/duration.js';

/**
 * The supplier program's settings (docs/program.md#settings) as environment variables, validated at
 * start with the others (env.ts): the API and the worker read the same ones.
 */

export const DEFAULT_PROVISIONAL_LIMIT = 500_000;

/** `AUD:50000000,*:500000`: a limit per currency; `*` is every other one (500000 when left out). */
export function parseProvisionalLimits(spec: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([A-Z]{3}|\*):(\d{1,16})$/.exec(entry);
    if (!m)
      throw new Error(`"${entry}" is not CURRENCY:minor-units (e.g. USD:500000, or *:500000 for the rest)`);
    const [, currency, amount] = m as unknown as [string, string, string];
    if (currency in limits) throw new Error(`${currency} is given twice`);
    const limit = Number(amount);
    if (!Number.isSafeInteger(limit)) throw new Error(`${entry}: the limit is not a safe integer`);
    limits[currency] = limit;
  }
  limits[ANY_CURRENCY] ??= DEFAULT_PROVISIONAL_LIMIT;
  return limits;
}

const refined = <T>(parse: (s: string) => T | undefined, message: string) =>
  z.string().superRefine((s, ctx) => {
    try {
      if (parse(s) === undefined) ctx.addIssue({ code: 'custom', message });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const window = (fallback: string) =>
  refined(
    (s) => ((parseDuration(s) ?? 0) > 0 ? s : undefined),
    'must be an ISO 8601 duration longer than PT0S (e.g. P180D)',
  ).default(fallback);
const thousandths = (fallback: string) =>
  refined(parseThousandths, 'must be a rate from 0 to 1 with at most 3 decimals (e.g. 0.90)').default(
    fallback,
  );

/** Five fields of a cron expression (minute hour day-of-month month day-of-week), in UTC. */
const CRON = /^\s*(\S+\s+){4}\S+\s*$/;
const CRON_FIELD = /^[\d*,/-]+$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

/** Empty counts as unset: compose files pass `${VAR:-}` through. */
const orDefault = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema);

export const ProgramEnvShape = {
  PROGRAM_NAME: orDefault(z.string().trim().min(1).max(40).default('Buyer Protection')),
  PROGRAM_PROVISIONAL_LIMITS: orDefault(
    refined((s) => parseProvisionalLimits(s), 'is not a list of limits').default(
      `*:${DEFAULT_PROVISIONAL_LIMIT}`,
    ),
  ),
  PROGRAM_LIMIT_FACTOR: orDefault(
    refined(
      (s) => (parseFactor(s)?.numerator ? s : undefined),
      'must be a decimal number above 0 with at most 6 decimals (e.g. 0.5)',
    ).default('0.5'),
  ),
  PROGRAM_MAX_LIMIT: orDefault(
    z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(100_000_000),
  ),
  PROGRAM_ASSESSMENT_WINDOW: orDefault(window('P180D')),
  PROGRAM_MIN_ORDERS: orDefault(z.coerce.number().int().min(0).max(1_000_000).default(5)),
  PROGRAM_MIN_ON_TIME_SHIPMENT_RATE: orDefault(thousandths('0.90')),
  PROGRAM_MAX_DISPUTE_RATE: orDefault(thousandths('0.10')),
  PROGRAM_MAX_REFUND_RATIO: orDefault(thousandths('0.10')),
  PROGRAM_RESPONSIVENESS_WINDOW: orDefault(window('P90D')),
  PROGRAM_INQUIRY_WINDOW: orDefault(window('P2D')),
  PROGRAM_ASSESSMENT_SCHEDULE: orDefault(
    z
      .string()
      .refine(
        (s) =>
          CRON.test(s) &&
          s
            .trim()
            .split(/\s+/)
            .every((f) => CRON_FIELD.test(f)),
        'must be a cron expression of five fields, in UTC (e.g. "0 0 * * *")',
      )
      .default('0 0 * * *'),
  ),
};

const ProgramEnvSchema = z.object(ProgramEnvShape);
type ProgramEnv = z.output<typeof ProgramEnvSchema>;

/** Settings that only make sense together: an empty list when they do. */
export function programProblems(env: ProgramEnv): string[] {
  const limits = parseProvisionalLimits(env.PROGRAM_PROVISIONAL_LIMITS);
  return Object.entries(limits)
    .filter(([, limit]) => limit > env.PROGRAM_MAX_LIMIT)
    .map(
      ([currency, limit]) =>
        `PROGRAM_PROVISIONAL_LIMITS: ${currency}:${limit} is above PROGRAM_MAX_LIMIT (${env.PROGRAM_MAX_LIMIT}), which caps every limit`,
    );
}

export function programSettings(env: ProgramEnv): ProgramSettings {
  return {
    name: env.PROGRAM_NAME,
    limits: {
      provisional: parseProvisionalLimits(env.PROGRAM_PROVISIONAL_LIMITS),
      factor: parseFactor(env.PROGRAM_LIMIT_FACTOR) as Factor,
      max: env.PROGRAM_MAX_LIMIT,
    },
    thresholds: {
      minClosedOrders: env.PROGRAM_MIN_ORDERS,
      minOnTimeShipmentRate: parseThousandths(env.PROGRAM_MIN_ON_TIME_SHIPMENT_RATE) as number,
      maxDisputeRate: parseThousandths(env.PROGRAM_MAX_DISPUTE_RATE) as number,
      maxRefundRatio: parseThousandths(env.PROGRAM_MAX_REFUND_RATIO) as number,
    },
    window: env.PROGRAM_ASSESSMENT_WINDOW,
    responsivenessWindow: env.PROGRAM_RESPONSIVENESS_WINDOW,
    inquiryWindow: env.PROGRAM_INQUIRY_WINDOW,
  };
}

/** The settings with every default: what the tests and tools use unless they say otherwise. */
export const DEFAULT_PROGRAM_SETTINGS: ProgramSettings = programSettings(ProgramEnvSchema.parse({}));
