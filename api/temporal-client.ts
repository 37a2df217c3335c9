import type { WorkflowClientInterceptor } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Tracing } from '../config/tracing.js';
import { eventSigningInterceptor } from './event-signing.js';

/**
 * The interceptors of the API's Temporal client. The signing one comes first: it fixes the Update
 * id, which the tracing one then records on its span. The signature covers the workflow id, the
 * Update's name, id and argument, not the headers, so the trace context added after it is no
 * part of what the workflow checks.
 */
export function apiClientInterceptors(signingKey: string, tracing?: Tracing): WorkflowClientInterceptor[] {
  return [
    eventSigningInterceptor(signingKey),
    ...(tracing
      ? [
          new OpenTelemetryWorkflowClientInterceptor({
            tracer: tracing.tracerProvider.getTracer('@temporalio/interceptor-client'),
          }),
        ]
      : []),
  ];
}
