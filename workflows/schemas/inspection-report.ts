import { z } from 'zod';
import { builtOnce } from './built-once.js';

/**
 * The buyer's inspection report of docs/spec.md#quality-evaluation: the body of
 * `POST /v1/orders/:orderId/inspection`.
 */

export const MAX_MEASUREMENTS = 200;
export const MAX_EVIDENCE = 100;
export const MAX_RECEIVED_QUANTITY = 1e12;

// Schemes a browser would execute or inline rather than open: evidence links end up clickable in the
// arbitrator's case file, so a report must not be able to smuggle script into it.

const UNSAFE_URI_SCHEME = /^\s*(javascript|vbscript|data):/i;

const REPORT_FIELDS = 'measurements, receivedQuantity, evidence, inspector, notes';

// Built once per worker, not once per workflow: see built-once.ts.
export const { EvidenceSchema, InspectionReportSchema } = builtOnce('schemas/inspection-report', () => {
  const MeasurementValueSchema = z.union(
    [z.number(), z.string().max(256, 'a text measurement must be at most 256 characters')],
    {
      error: 'a measurement must be a finite number or a string (e.g. 12.5 or "grade A")',
    },
  );

  const MeasurementsSchema = z
    .record(
      z
        .string()
        .min(1, 'attribute names must not be empty')
        .max(128, 'attribute names must be at most 128 characters'),
      MeasurementValueSchema,
      {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? 'attribute names must be 1-128 characters'
            : issue.code === 'invalid_type'
              ? 'must be an object of attribute name → measured value'
              : undefined,
      },
    )
    .refine(
      (m) => Object.keys(m).length <= MAX_MEASUREMENTS,
      `must have at most ${MAX_MEASUREMENTS} attributes`,
    );

  const EvidenceSchema = z.strictObject({
    uri: z
      .url({ error: 'must be a URL (e.g. https://files.example.com/photo-1.jpg)' })
      .max(2048, 'must be at most 2048 characters')
      .refine(
        (uri) => !UNSAFE_URI_SCHEME.test(uri),
        'javascript:, vbscript: and data: URLs are not accepted',
      ),
    sha256: z
      .string({ error: 'must be a string' })
      .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest: 64 lowercase hex characters')
      .optional(),
    description: z
      .string({ error: 'must be a string' })
      .max(1000, 'must be at most 1000 characters')
      .optional(),
  });

  const InspectionReportSchema = z.strictObject(
    {
      measurements: MeasurementsSchema,
      receivedQuantity: z
        .number({
          error: (issue) =>
            issue.input === undefined
              ? 'receivedQuantity is required: how much of the order arrived'
              : 'must be a finite number',
        })
        .min(0, 'must not be negative')
        .max(MAX_RECEIVED_QUANTITY, `must be at most ${MAX_RECEIVED_QUANTITY}`),
      evidence: z
        .array(EvidenceSchema, { error: 'must be a list of { uri, sha256?, description? }' })
        .max(MAX_EVIDENCE, `must have at most ${MAX_EVIDENCE} items`)
        .default([]),
      inspector: z
        .string({ error: 'must be a string' })
        .max(256, 'must be at most 256 characters')
        .optional(),
      notes: z.string({ error: 'must be a string' }).max(5000, 'must be at most 5000 characters').optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; a report has ${REPORT_FIELDS}`
          : issue.code === 'invalid_type'
            ? `must be an inspection report object with ${REPORT_FIELDS}`
            : undefined,
    },
  );

  return { EvidenceSchema, InspectionReportSchema };
});

export type Evidence = z.output<typeof EvidenceSchema>;

export type InspectionReport = z.output<typeof InspectionReportSchema>;
