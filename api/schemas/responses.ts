import type { z } from 'zod';
import { ProblemSchema } from './problem.js';

/** A documented JSON answer. */
export const json = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * The documented error answers of a route: every one is a Problem. A `[status, description]` pair
 * says more for that route than the shared description of the status.
 */
export function problems(...statuses: (number | [number, string])[]) {
  return Object.fromEntries(
    statuses.map((entry) => {
      const [status, description] = typeof entry === 'number' ? [entry, describe(entry)] : entry;
      return [status, { description, content: { 'application/problem+json': { schema: ProblemSchema } } }];
    }),
  );
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request does not match the schema (one entry per bad field) or is not JSON',
  401: 'No API key or an unknown one',
  403: "The API key's role may not call this route",
  404: 'No such order',
  409: "The order's status does not allow this; `currentStatus` names it",
  413: 'The body is larger than 1 MiB',
  415: 'The body is not application/json',
  422: 'The request contradicts the contract or the order',
  429: 'Rate limit of the API key exceeded; see Retry-After',
  503: 'Temporal or PostgreSQL is unreachable; nothing was changed; retry after Retry-After',
};

const describe = (status: number) => DESCRIPTIONS[status] ?? 'Error';
