import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isUnavailable } from '../../api/upstream-errors.js';

const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('which upstream failures are a 503 (nothing changed, retry)', () => {
  it('takes an Update refused while the workflow task is being retried for a 503', () => {
    // What the server answers after a worker died holding the order's workflow task.
    const notReady = new ServiceError('Workflow Update failed', {
      cause: grpcError(
        9,
        'Unable to perform workflow execution update due to Workflow Task in failed state.',
      ),
    });
    expect(isUnavailable(notReady)).toBe(true);
  });

  it('keeps other failed preconditions and unknown failures for a 500', () => {
    expect(isUnavailable(new ServiceError('x', { cause: grpcError(9, 'Namespace is not active') }))).toBe(
      false,
    );
    expect(isUnavailable(grpcError(3, 'invalid argument'))).toBe(false);
    expect(isUnavailable(new Error('bug'))).toBe(false);
  });

  it('takes unreachable and timed-out calls for a 503', () => {
    expect(isUnavailable(grpcError(14, 'unavailable'))).toBe(true);
    expect(isUnavailable(new ServiceError('x', { cause: grpcError(4, 'deadline exceeded') }))).toBe(true);
  });

  it('takes the errors of a PostgreSQL connection lost under a query for a 503', () => {
    // pg's messages (node_modules/pg/lib/client.js): no SQLSTATE, no errno code.
    for (const message of [
      'Connection terminated unexpectedly',
      'Client has encountered a connection error and is not queryable',
      'Client was closed and is not queryable',
      'timeout exceeded when trying to connect',
    ]) {
      expect(isUnavailable(new Error(message)), message).toBe(true);
    }
    expect(isUnavailable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
  });
});
