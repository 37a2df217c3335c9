import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

/** The SDK logs every worker state change at INFO; interactive runs and tests want warnings only. */
export function installWorkerLogging(level: LogLevel): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed in this process (another test file or a second call): keep the first.
  }
}
