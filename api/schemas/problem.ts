import { z } from 'zod';
import { SUPPLIER_STATUSES } from '../../workflows/rules/program.js';
import { component } from './registry.js';

export const ProblemSchema = component(
  'Problem',
  z.object({
    type: z.string().describe('A URI reference naming the kind of problem, e.g. /problems/wrong-state'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().describe('The request path'),
    requestId: z.string().describe('Quote it when asking about this request; it is in the server log'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('400 and 422: one entry per bad field; `path` is dotted (`buyer.id`, `query.limit`)'),
    currentStatus: z.string().optional().describe("409: the order's status"),
    supplierStatus: z
      .enum(SUPPLIER_STATUSES)
      .optional()
      .describe("422 not-protected: the supplier's program status"),
    currency: z.string().optional().describe("422 not-protected: the order's currency"),
    limit: z.number().int().optional().describe("422 not-protected: the supplier's limit in that currency"),
    exposure: z
      .number()
      .int()
      .optional()
      .describe("422 not-protected: the amounts of the supplier's open orders in that currency"),
    available: z
      .number()
      .int()
      .optional()
      .describe(
        '422 not-protected: max(0, limit − exposure); 422 credit-unavailable: what the line can still lend',
      ),
    lineStatus: z.string().optional().describe("422 credit-unavailable: the credit line's status"),
  }),
  'RFC 9457 problem details, served as application/problem+json',
);
