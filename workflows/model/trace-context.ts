/**
 * The trace context of the running order, as far as the workflow's own code needs it: the
 * context an event is emitted in, and scheduling its activities in that context. A traced order
 * gets OpenTelemetry's (interceptors.ts installs it when the start carried a trace context); every
 * other order keeps these, which trace nothing and load no OpenTelemetry module into its sandbox.
 */
export interface TraceContext {
  active(): unknown;
  with<T>(context: unknown, fn: () => T): T;
}

let current: TraceContext = { active: () => undefined, with: (_context, fn) => fn() };

export const traceContext = (): TraceContext => current;

export function useTraceContext(context: TraceContext): void {
  current = context;
}
