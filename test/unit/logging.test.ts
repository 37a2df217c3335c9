import { describe, expect, it } from 'vitest';
import { createLogger, temporalLogger } from '../../config/logging.js';

describe('logging', () => {
  it('writes the message, type and stack of an Error the Temporal SDK logs under `error`', () => {
    // The SDK's "Activity failed" carries its Error as `error`: pino wrote `{}` for it, so that a
    // worker cut off from PostgreSQL (issue 29's soak) logged failures that said nothing.
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => lines.push(line) });
    const error = Object.assign(new Error('connect ENETUNREACH 10.231.2.1:20001'), { code: 'ENETUNREACH' });
    temporalLogger(logger).warn('Activity failed', { activityType: 'releaseToSupplier', error });
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({
      msg: 'Activity failed',
      activityType: 'releaseToSupplier',
      error: { type: 'Error', message: 'connect ENETUNREACH 10.231.2.1:20001', code: 'ENETUNREACH' },
    });
    expect(line.error.stack).toContain('logging.test.ts');
  });
});
