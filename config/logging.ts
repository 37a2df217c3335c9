import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { ORDER_WORKFLOW_ID_PREFIX } from '../workflows/model/messages.js';

/** JSON logs on stdout, one line an event, for whatever collects container output. */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The Temporal SDK logs a failed activity or poll with its Error under `error`, which pino
    // would write as `{}`: the message, type and stack are what a failure under partition says.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The workflow id of an order is `order-<orderId>`: every line about an order carries both ids. */
export function orderFields(meta: LogMetadata = {}): LogMetadata {
  const workflowId = meta.workflowId;
  if (
    typeof workflowId === 'string' &&
    workflowId.startsWith(ORDER_WORKFLOW_ID_PREFIX) &&
    meta.orderId === undefined
  ) {
    return { ...meta, orderId: workflowId.slice(ORDER_WORKFLOW_ID_PREFIX.length) };
  }
  return meta;
}

/** Routes the Temporal SDK's logs (worker, workflows, activities) into pino. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[LEVELS[level]](orderFields(meta), message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
