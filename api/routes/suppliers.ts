import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { wakeSupplierEventDelivery } from '../../activities/program-workflows.js';
import { ROLES } from '../../config/api-keys.js';
import type { IdempotencyRecords } from '../../db/api-idempotency.js';
import {
  ProgramContradictionError,
  SupplierNotFoundError,
  type SupplierProgram,
  type SupplierRecord,
} from '../../db/supplier-program.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { idempotent } from '../idempotency.js';
import { HttpProblem } from '../problem.js';
import { IdempotencyHeadersSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import {
  AssessmentInputSchema,
  InquiryInputSchema,
  InquirySchema,
  SupplierInputSchema,
  SupplierListQuerySchema,
  SupplierListSchema,
  SupplierParamsSchema,
  SupplierProfileSchema,
  SupplierRecordSchema,
} from '../schemas/suppliers.js';
import { withTimeout } from '../upstream-errors.js';

export interface SupplierRouteOptions {
  program: SupplierProgram;
  idempotency: IdempotencyRecords;
  temporal: Client;
  taskQueue: string;
  timeoutMs: number;
}

const notFound = (supplierId: string) =>
  new HttpProblem('supplier-not-found', `there is no supplier ${supplierId}`);

/**
 * The supplier program's routes (docs/program.md): records, inquiries, assessment on demand and the
 * trust profile, all answered from PostgreSQL. The badge is public and lives in badge.ts.
 */
export const supplierRoutes: FastifyPluginAsyncZod<SupplierRouteOptions> = async (
  app,
  { program, idempotency, temporal, taskQueue, timeoutMs },
) => {
  const pg = <T>(promise: Promise<T>) => withTimeout(promise, timeoutMs, 'postgres');
  const record = async (supplierId: string): Promise<SupplierRecord> => {
    const found = await pg(program.record(supplierId, new Date()));
    if (!found) throw notFound(supplierId);
    return found;
  };
  /**
   * The change is stored with its events; the webhooks hear of them from the delivery workflow. A
   * wake-up that does not reach Temporal is made up for by the next one (any change, the next
   * assessment, a worker's start): the events wait in the feed meanwhile.
   */
  const wake = (log: FastifyBaseLogger) =>
    temporal
      .withDeadline(Date.now() + timeoutMs, () => wakeSupplierEventDelivery(temporal, taskQueue))
      .catch((err) => log.warn({ err }, 'supplier events stored; their webhooks wait for the next wake-up'));

  app.put(
    '/suppliers/:supplierId',
    {
      config: { roles: ['marketplace'] },
      schema: {
        tags: ['suppliers'],
        operationId: 'putSupplier',
        summary: 'Create or update a supplier, and enrol it in the program or take it out',
        description:
          'Answers 201 with the record when the supplier is new, 200 after. Enrolling assesses the supplier at ' +
          'once (status and limits follow from its trading record, like at every assessment). Leaving ' +
          '(`enrolled: false`) makes it `not_enrolled`: no new order of its is protected, while the orders it ' +
          'has keep their protection.',
        params: SupplierParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: SupplierInputSchema,
        response: {
          200: json('The supplier existed; its record after the change', SupplierRecordSchema),
          201: json('The supplier was created', SupplierRecordSchema),
          ...problems(400, 401, 403, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { supplierId } = request.params;
      const answer = await idempotent(
        idempotency,
        request.headers['idempotency-key'],
        `PUT /suppliers/${supplierId}`,
        request.body,
        timeoutMs,
        async () => {
          const { created, events } = await pg(program.put(supplierId, request.body, new Date()));
          if (events > 0) await wake(request.log);
          return { statusCode: created ? 201 : 200, body: await record(supplierId) };
        },
      );
      return reply.code(answer.statusCode as 200).send(answer.body);
    },
  );

  app.get(
    '/suppliers/:supplierId',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['suppliers'],
        operationId: 'getSupplier',
        summary: "The supplier's program record: status, limits with exposure, figures",
        params: SupplierParamsSchema,
        response: {
          200: json('The supplier', SupplierRecordSchema),
          ...problems(400, 401, 403, [404, 'No such supplier'], 429, 503),
        },
      },
    },
    async (request) => record(request.params.supplierId),
  );

  app.get(
    '/suppliers',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['suppliers'],
        operationId: 'listSuppliers',
        summary: 'List suppliers in id order',
        description: 'Pass `nextCursor` as `cursor` for the next page, with the same `status`.',
        querystring: SupplierListQuerySchema,
        response: {
          200: json('A page of suppliers', SupplierListSchema),
          ...problems(400, 401, 403, 429, 503),
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const query = `status=${status ?? ''}`;
      const token = cursor === undefined ? undefined : decodeCursor(cursor, query);
      if (cursor !== undefined && token === undefined) {
        throw new HttpProblem('invalid-request', 'cursor: not a nextCursor of a list with these filters', {
          errors: [{ path: 'query.cursor', message: 'is not a nextCursor of a list with these filters' }],
        });
      }
      // One more than asked: whether another page follows.
      const page = await pg(
        program.records({ after: token?.toString('utf8'), limit: limit + 1, status }, new Date()),
      );
      const suppliers = page.slice(0, limit);
      const last = suppliers.at(-1);
      return {
        suppliers,
        nextCursor: page.length > limit && last ? encodeCursor(Buffer.from(last.supplierId), query) : null,
      };
    },
  );

  app.post(
    '/suppliers/:supplierId/assessment',
    {
      config: { roles: ['marketplace'] },
      schema: {
        tags: ['suppliers'],
        operationId: 'assessSupplier',
        summary: 'Assess this supplier now',
        description:
          'The same assessment the daily Schedule makes of every enrolled supplier: status and limits from ' +
          'the orders closed in the assessment window. Body `{}`. 409 for a supplier that is not enrolled.',
        params: SupplierParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: AssessmentInputSchema,
        response: {
          200: json('The record after the assessment', SupplierRecordSchema),
          ...problems(
            400,
            401,
            403,
            [404, 'No such supplier'],
            [409, 'The supplier is not enrolled'],
            413,
            415,
            429,
            503,
          ),
        },
      },
    },
    async (request, reply) => {
      const { supplierId } = request.params;
      const answer = await idempotent(
        idempotency,
        request.headers['idempotency-key'],
        `POST /suppliers/${supplierId}/assessment`,
        request.body,
        timeoutMs,
        async () => {
          const before = await record(supplierId);
          if (!before.enrolled) {
            throw new HttpProblem(
              'supplier-not-enrolled',
              `supplier ${supplierId} is not enrolled: there is nothing to assess`,
              {
                currentStatus: before.status,
              },
            );
          }
          const { events } = await pg(program.assess({ ids: [supplierId] }, new Date()));
          if (events > 0) await wake(request.log);
          return { statusCode: 200, body: await record(supplierId) };
        },
      );
      return reply.code(answer.statusCode as 200).send(answer.body);
    },
  );

  app.post(
    '/suppliers/:supplierId/inquiries',
    {
      config: { roles: ['marketplace'] },
      schema: {
        tags: ['suppliers'],
        operationId: 'recordInquiry',
        summary: "A buyer's message to the supplier outside an order, and when it was answered",
        description:
          'Upsert by `inquiryId`: 201 the first time, 200 after. A later call may add `respondedAt`; ' +
          '`receivedAt` and a recorded `respondedAt` do not change (422). `respondedAt` before `receivedAt`, ' +
          'or either in the future, is a 422. Counts in the responsiveness of the profile.',
        params: SupplierParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: InquiryInputSchema,
        response: {
          200: json('The inquiry was known; as it is now', InquirySchema),
          201: json('The inquiry was recorded', InquirySchema),
          ...problems(400, 401, 403, [404, 'No such supplier'], 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { supplierId } = request.params;
      const answer = await idempotent(
        idempotency,
        request.headers['idempotency-key'],
        `POST /suppliers/${supplierId}/inquiries`,
        request.body,
        timeoutMs,
        async () => {
          try {
            const { created, inquiry } = await pg(
              program.recordInquiry(supplierId, request.body, new Date()),
            );
            return { statusCode: created ? 201 : 200, body: inquiry };
          } catch (err) {
            if (err instanceof SupplierNotFoundError) throw notFound(supplierId);
            if (err instanceof ProgramContradictionError)
              throw new HttpProblem('record-contradiction', err.message);
            throw err;
          }
        },
      );
      return reply.code(answer.statusCode as 200).send(answer.body);
    },
  );

  app.get(
    '/suppliers/:supplierId/profile',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['suppliers'],
        operationId: 'getSupplierProfile',
        summary: 'What storefronts show of the supplier: protection, 12 months of trade, responsiveness',
        description: 'Computed from PostgreSQL up to the moment of the request.',
        params: SupplierParamsSchema,
        response: {
          200: json('The trust profile', SupplierProfileSchema),
          ...problems(400, 401, 403, [404, 'No such supplier'], 429, 503),
        },
      },
    },
    async (request) => {
      const { supplierId } = request.params;
      const profile = await pg(program.profile(supplierId, new Date()));
      if (!profile) throw notFound(supplierId);
      return profile;
    },
  );
};
