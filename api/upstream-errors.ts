import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';

/**
 * Which failures mean "a dependency is unreachable right now" (HTTP 503: nothing was changed, retry)
 * as opposed to a bug or a misconfiguration (HTTP 500).
 */

// gRPC status codes: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE.
const TRANSIENT_GRPC_CODES = new Set([1, 4, 8, 14]);

// FAILED_PRECONDITION with this message: the server refuses Updates while the workflow's task is
// being retried (after a worker died holding it, or under load). Nothing was applied; a retry
// succeeds once a worker completes the task. Found by the chaos soak, where it was a 500.
const FAILED_PRECONDITION = 9;
const WORKFLOW_TASK_RETRYING = /Workflow Task in failed state/;

const transientGrpc = (err: { code: number; details?: string }) =>
  TRANSIENT_GRPC_CODES.has(err.code) ||
  (err.code === FAILED_PRECONDITION && WORKFLOW_TASK_RETRYING.test(err.details ?? ''));

export function isTemporalUnavailable(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (isGrpcServiceError(err)) return transientGrpc(err);
  if (err instanceof ServiceError) {
    // The SDK wraps failures that never reached the server (a closed channel) without a status code.
    return isGrpcServiceError(err.cause) ? transientGrpc(err.cause) : true;
  }
  return err instanceof Error && err.message === 'Channel has been shut down';
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

// SQLSTATE classes and codes of a server that is going away or full: admin_shutdown,
// crash_shutdown, cannot_connect_now, too_many_connections.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

export function isPostgresUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))
      return true;
  }
  // pg's own messages, without a code: a lost connection, one lost while its client was checked out
  // (the next query on it), a pool that could not connect in time.
  return /Connection terminated|is not queryable|timeout exceeded when trying to connect/.test(err.message);
}

/** A dependency that did not answer within the request's budget. */
export class UpstreamTimeoutError extends Error {
  constructor(readonly dependency: 'temporal' | 'postgres') {
    super(`${dependency} did not answer in time`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** Bounds a call whose client has no deadline of its own (pg waits for a connection indefinitely). */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  dependency: UpstreamTimeoutError['dependency'],
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamTimeoutError(dependency)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function isUnavailable(err: unknown): boolean {
  return err instanceof UpstreamTimeoutError || isTemporalUnavailable(err) || isPostgresUnavailable(err);
}
