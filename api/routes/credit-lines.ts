import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../../config/api-keys.js';
import type { IdempotencyRecords } from '../../db/api-idempotency.js';
import { lineView, type TemporalCreditLines } from '../credit-lines.js';
import { idempotent } from '../idempotency.js';
import {
  CloseInputSchema,
  CreditApplicationInputSchema,
  CreditLineParamsSchema,
  CreditLineSchema,
  RepaymentInputSchema,
  VerificationInputSchema,
} from '../schemas/credit-lines.js';
import { IdempotencyHeadersSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';

export interface CreditLineRouteOptions {
  lines: TemporalCreditLines;
  idempotency: IdempotencyRecords;
  timeoutMs: number;
}

const notFound: [number, string] = [404, 'No such credit line'];
const wrongState: [number, string] = [409, "The line's status does not allow this; `currentStatus` names it"];

/**
 * The e-Credit Line's routes (docs/credit.md): applying, the line, the underwriter's verification,
 * repayments and closing. Each change is an Update of the line's workflow answered with the line;
 * an `Idempotency-Key` makes a retry get the first answer (kept in PostgreSQL, since a line's
 * workflow continues as new and Temporal deduplicates Updates within one run only).
 */
export const creditLineRoutes: FastifyPluginAsyncZod<CreditLineRouteOptions> = async (
  app,
  { lines, idempotency, timeoutMs },
) => {
  app.post(
    '/credit-lines',
    {
      config: { roles: ['marketplace'] },
      schema: {
        tags: ['credit lines'],
        operationId: 'applyForCreditLine',
        summary: 'A buyer applies for a credit line; the scorecard decides within 60 seconds',
        description:
          'Answers 201 with the line, status `scoring`; poll it (or listen for `credit_line.scored`) for the ' +
          'decision. The same application again answers 200 with the line; another one under the same `lineId` is a 409.',
        headers: IdempotencyHeadersSchema,
        body: CreditApplicationInputSchema,
        response: {
          200: json('The line existed with this application', CreditLineSchema),
          201: json('The line was created', CreditLineSchema),
          ...problems(
            400,
            401,
            403,
            [409, 'A line with this id exists with another application'],
            413,
            415,
            [422, "The currency offers no lines, or requestedLimit is outside the currency's range"],
            429,
            503,
          ),
        },
      },
    },
    async (request, reply) => {
      const answer = await idempotent(
        idempotency,
        request.headers['idempotency-key'],
        'POST /credit-lines',
        request.body,
        timeoutMs,
        async () => {
          const { created, line } = await lines.apply(request.body, new Date());
          return { statusCode: created ? 201 : 200, body: lineView(line) };
        },
      );
      return reply.code(answer.statusCode as 200).send(answer.body);
    },
  );

  app.get(
    '/credit-lines/:lineId',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['credit lines'],
        operationId: 'getCreditLine',
        summary:
          'The line: status, limit, rate, principal, interest due, available, draws, statements, scorecard',
        params: CreditLineParamsSchema,
        response: { 200: json('The line', CreditLineSchema), ...problems(400, 401, 403, notFound, 429, 503) },
      },
    },
    async (request) => lineView(await lines.get(request.params.lineId)),
  );

  const command = <N extends 'verify' | 'repay' | 'close'>(
    path: string,
    name: N,
    options: {
      roles: readonly ('marketplace' | 'underwriter')[];
      operationId: string;
      summary: string;
      description: string;
      body: typeof VerificationInputSchema | typeof RepaymentInputSchema | typeof CloseInputSchema;
      refusals: (number | [number, string])[];
    },
  ) =>
    app.post(
      `/credit-lines/:lineId/${path}`,
      {
        config: { roles: options.roles },
        schema: {
          tags: ['credit lines'],
          operationId: options.operationId,
          summary: options.summary,
          description: options.description,
          params: CreditLineParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: options.body,
          response: {
            200: json('The line after the change', CreditLineSchema),
            ...problems(400, 401, 403, notFound, wrongState, 413, 415, ...options.refusals, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const { lineId } = request.params;
        const answer = await idempotent(
          idempotency,
          request.headers['idempotency-key'],
          `POST /credit-lines/${lineId}/${path}`,
          request.body,
          timeoutMs,
          async () => ({
            statusCode: 200,
            body: lineView(await lines.update(lineId, name, request.body as never)),
          }),
        );
        return reply.code(200).send(answer.body);
      },
    );

  command('verification', 'verify', {
    roles: ['underwriter'],
    operationId: 'verifyCreditLine',
    summary: "The underwriter's decision on the documents: active or declined",
    description:
      '`{ approve, limit?, underwriter, notes }`: `limit` at most the offered limit (default it). The same decision ' +
      'an underwriter takes with the `verify` Update in the Temporal Web UI.',
    body: VerificationInputSchema,
    refusals: [[422, 'A limit above the offered one, or a limit on a decline']],
  });
  command('repayments', 'repay', {
    roles: ['marketplace'],
    operationId: 'repayCreditLine',
    summary: 'The buyer pays back: interest due first, then the oldest draws',
    description:
      '`{ amount, reference }`; the reference is the repayment: sent again it is answered, not applied again.',
    body: RepaymentInputSchema,
    refusals: [[422, 'More than is owed, or a reference used for another amount']],
  });
  command('close', 'close', {
    roles: ['marketplace'],
    operationId: 'closeCreditLine',
    summary: 'Closes a line that owes nothing',
    description:
      'Body `{}`. A 409 while principal, interest (billed or accruing) or a reserved draw remains.',
    body: CloseInputSchema,
    refusals: [],
  });
};
