import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkContract } from '../contract-check.js';
import { ContractCheckRequestSchema, ContractCheckSchema } from '../schemas/contract-check.js';
import { IdempotencyHeadersSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';

/** A contract checked before it is signed (docs/api.md#contract-check). */
export const contractRoutes: FastifyPluginAsyncZod<{ orders: TemporalOrders }> = async (app, { orders }) => {
  app.post(
    '/contracts/check',
    {
      config: { roles: ['marketplace'] },
      schema: {
        tags: ['orders'],
        operationId: 'checkContract',
        summary: 'Check a contract before signing: what the create would refuse, its risks, sample reports',
        description:
          'Runs the checks of `POST /v1/orders` on the contract (schema, contradictions, the supplier program’s ' +
          'protection) and answers with the problems the create would give, coded warnings, and for each sample ' +
          'report the evaluation, the status it leads to and the money of its settlement, computed by the ' +
          'functions the workflow runs. It creates, starts and reserves nothing, so a retry with an ' +
          '`Idempotency-Key` is as safe as one without.',
        headers: IdempotencyHeadersSchema,
        body: ContractCheckRequestSchema,
        response: {
          200: json('The check (valid or not)', ContractCheckSchema),
          ...problems(
            [
              400,
              'The request itself breaks its schema: `contract` is not an object, a report is not an inspection report, more than 20 reports',
            ],
            401,
            403,
            413,
            415,
            429,
            503,
          ),
        },
      },
    },
    async (request) => checkContract(orders, request.body, new Date()),
  );
};
