import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { MAX_PARAM_LENGTH } from '../../config/limits.js';
import { orderProblem } from '../order-problems.js';
import {
  type FieldError,
  HttpProblem,
  PROBLEM_KINDS,
  type ProblemExtensions,
  type ProblemKind,
  problemType,
  RETRY_AFTER_SECONDS,
} from '../problem.js';
import { isUnavailable } from '../upstream-errors.js';

export interface Problem extends ProblemExtensions {
  type: string;
  title: string;
  status: number;
  detail: string;
  headers?: Record<string, string>;
}

const fromKind = (kind: ProblemKind, detail: string, extensions: ProblemExtensions = {}): Problem => ({
  type: problemType(kind),
  title: PROBLEM_KINDS[kind].title,
  status: PROBLEM_KINDS[kind].status,
  detail,
  ...extensions,
});

const MALFORMED_BODY_CODES = new Set([
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
]);

// Where the schema error was found, as the prefix of its path; body fields carry none.
const LOCATIONS: Record<string, string> = { querystring: 'query', params: 'params', headers: 'headers' };

function fieldErrors(err: FastifyError): FieldError[] {
  const prefix = LOCATIONS[err.validationContext ?? 'body'];
  const at = (segments: string[]) => [prefix, ...segments].filter(Boolean).join('.') || 'body';
  return (err.validation ?? []).flatMap((issue) => {
    const segments = issue.instancePath.split('/').filter(Boolean);
    const message = issue.message ?? 'is invalid';
    // One entry per unknown field, at the field's own path.
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)) {
      return issue.params.keys.map((key: string) => ({ path: at([...segments, key]), message }));
    }
    return [{ path: at(segments), message }];
  });
}

/**
 * The problem of a refusal that says nothing of the request's transport: a schema error, an
 * order's or the program's refusal. `POST /v1/contracts/check` lists these for the create it
 * checks, so that its `problems` are the very answers the create would give.
 */
export function refusalProblem(err: unknown): Problem | undefined {
  const problem = err instanceof HttpProblem ? err : orderProblem(err);
  if (problem)
    return { ...fromKind(problem.kind, problem.detail, problem.extensions), headers: problem.headers };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = fieldErrors(err as FastifyError);
    return fromKind('invalid-request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
  return undefined;
}

/** Every failure as RFC 9457 problem details; internals of a 5xx go to the log only. */
function toProblem(err: FastifyError, request: FastifyRequest): Problem {
  const refusal = refusalProblem(err);
  if (refusal) return refusal;
  if (MALFORMED_BODY_CODES.has(err.code) || (err instanceof SyntaxError && err.statusCode === 400)) {
    return fromKind('malformed-body', err.message);
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return fromKind('uri-too-long', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`);
  }
  if (err.code === 'FST_ERR_BAD_URL') return fromKind('malformed-url', err.message);
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return fromKind('payload-too-large', `the body must be at most ${request.routeOptions.bodyLimit} bytes`);
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return fromKind(
      'unsupported-media-type',
      `content type ${request.headers['content-type']} is not accepted`,
    );
  }
  if (err.statusCode === 429) return fromKind('rate-limited', err.message);
  if (isUnavailable(err)) {
    request.log.warn({ err }, 'dependency unavailable');
    return {
      ...fromKind('unavailable', 'Temporal or PostgreSQL did not answer; nothing was changed; retry later'),
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    };
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return {
      type: 'about:blank',
      title: STATUS_CODES[err.statusCode] ?? 'Client error',
      status: err.statusCode,
      detail: err.message,
    };
  }
  request.log.error({ err }, 'unexpected error');
  return fromKind('internal', `the request could not be completed; quote request id ${request.id}`);
}

function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: Problem) {
  const { headers, ...body } = problem;
  return reply
    .code(body.status)
    .headers(headers ?? {})
    .type('application/problem+json')
    .send({ ...body, instance: request.url.split('?')[0], requestId: request.id });
}

/**
 * The router answers a too-long path segment (414) and a malformed URL (400) before any route or
 * error handler runs; Fastify's `frameworkErrors` option hands them here so that they are problems too.
 */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, request, toProblem(err, request));
}

/**
 * Node's HTTP parser refuses a request line or headers above its limit (16 KiB) before Fastify
 * sees a request, and Fastify would answer plain JSON: write the problem on the socket instead.
 */
export function clientError(err: NodeJS.ErrnoException, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? fromKind('request-too-large', 'the request line and headers exceed 16 KiB')
      : fromKind('malformed-url', 'the request could not be parsed as HTTP');
  const body = JSON.stringify(problem);
  const reason = problem.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${problem.status} ${reason}\r\nConnection: close\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export const problemJson = fp(async (app) => {
  app.setErrorHandler((err: FastifyError, request, reply) =>
    sendProblem(reply, request, toProblem(err, request)),
  );
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      fromKind('not-found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
});
