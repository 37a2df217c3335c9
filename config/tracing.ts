import { context, propagation, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Config } from './env.js';

/**
 * The tracing of one process (docs/operations.md#tracing). It is handed to whatever makes spans
 * rather than installed as the global provider, so that `npm start` and the tests can run the API
 * and the worker in one process, each under its own service name.
 */
export interface Tracing {
  /** Spans of this process's own code: HTTP requests, Temporal client calls, activities, webhook POSTs. */
  tracerProvider: TracerProvider;
  /**
   * Where the workflows' spans go: they are made inside the workflow sandbox and handed over
   * through a sink, past the tracer provider (@temporalio/interceptors-opentelemetry).
   */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends what is still buffered; the process stops after it. */
  shutdown(): Promise<void>;
}

/** Tracing is on when an OTLP endpoint is configured, for traces or for every signal. */
export function tracingEnabled(config: Config): boolean {
  return Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * OTLP over HTTP/protobuf to the configured endpoint, in batches; undefined when no endpoint is
 * set, and then no SDK runs: the interceptors and plugins are not installed either, and the code
 * that makes spans anyway (the webhook POSTs) goes through the OpenTelemetry API's no-ops.
 */
export function tracingFromConfig(config: Config, defaultServiceName: string): Tracing | undefined {
  if (!tracingEnabled(config)) return undefined;
  // The exporter reads the endpoint, the headers, the timeout and the compression from the environment.
  return startTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName,
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
  });
}

/** A tracer provider for one service, exporting through `spanProcessor` (the tests' is in memory). */
export function startTracing(options: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  registerContextAndPropagation();
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over the process's default name.
  const resource = Resource.default()
    .merge(new Resource({ [ATTR_SERVICE_NAME]: options.serviceName }))
    .merge(envDetectorSync.detect());
  // The sampler comes from OTEL_TRACES_SAMPLER (default: parent-based, always on).
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(options.spanProcessor);
  return {
    tracerProvider: provider,
    spanProcessor: options.spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

let registered = false;

/**
 * The process-wide parts: the active span follows async calls (AsyncLocalStorage), and contexts
 * travel in W3C `traceparent` / `baggage` headers, in Temporal's headers as in HTTP.
 */
function registerContextAndPropagation() {
  if (registered) return;
  registered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}
