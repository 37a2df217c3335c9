import type * as OpenTelemetryApi from '@opentelemetry/api';
import type * as OpenTelemetry from '@temporalio/interceptors-opentelemetry';
import {
  defaultPayloadConverter,
  type Next,
  type UpdateInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';
import { refuse } from './handlers/order.js';
import { useTraceContext } from './model/trace-context.js';
import {
  parsePublicKeys,
  SIGNATURE_HEADER,
  signatureProblem,
  UNSIGNED_EVENT,
  UNSIGNED_UPDATES,
} from './rules/event-signature.js';

/**
 * The public keys whose signatures the workers accept. This literal is a placeholder: the worker
 * writes its configured keys (EVENT_PUBLIC_KEYS) into the bundled code when it loads it (see
 * worker/workflow-bundle.ts). Changing the keys changes no workflow behaviour on replay, because
 * validators run only when an Update arrives, never again when its history replays.
 */
const ACCEPTED_KEYS = '__ESCROW_EVENT_PUBLIC_KEYS__';

let acceptedKeys: string[] | undefined;
const keys = () => {
  acceptedKeys ??= ACCEPTED_KEYS.startsWith('__') ? [] : parsePublicKeys(ACCEPTED_KEYS);
  return acceptedKeys;
};

/**
 * Refuses, in the validator, every Update but the arbitrator's that does not carry the API's
 * signature over (workflow id, Update name, Update id, body): a refused Update is never accepted,
 * so it leaves no trace in history and moves no money. Runs before the handler's own validator;
 * an Update handler without a validator would skip it, so every handler keeps one.
 */
class EventSignatureCheck implements WorkflowInboundCallsInterceptor {
  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (!UNSIGNED_UPDATES.has(input.name)) {
      const header = input.headers[SIGNATURE_HEADER];
      let claimed: unknown;
      try {
        claimed = header === undefined ? undefined : defaultPayloadConverter.fromPayload(header);
      } catch {
        claimed = null;
      }
      const problem = signatureProblem(
        keys(),
        {
          workflowId: workflowInfo().workflowId,
          updateName: input.name,
          updateId: input.updateId,
          args: input.args,
        },
        claimed,
      );
      if (problem) {
        refuse(
          UNSIGNED_EVENT,
          `${input.name} refused: ${problem}; marketplace events are accepted only from the escrow API`,
        );
      }
    }
    next(input);
  }
}

/** The header in which @temporalio/interceptors-opentelemetry carries a trace context. */
const TRACE_HEADER = '_tracer-data';

/**
 * OpenTelemetry's spans of the workflow, its Updates, queries and signals and of the activities it
 * schedules (whose headers carry the trace to the worker's activity spans), for the orders whose
 * start carried a trace context: those the API started while tracing (docs/operations.md#tracing).
 * The interceptors add promise steps around the workflow, its handlers and its activities, which
 * moves where an Update completes among the order's other commands: an order started without them
 * must replay without them, and one started with them keeps them for its whole life. Which it is
 * is read from its history (the start's headers), never from the settings of the worker that runs
 * or replays it.
 */
class OrderTracing {
  private otel?: {
    inbound: OpenTelemetry.OpenTelemetryInboundInterceptor;
    outbound: OpenTelemetry.OpenTelemetryOutboundInterceptor;
    internals: OpenTelemetry.OpenTelemetryInternalsInterceptor;
  };

  readonly inbound: WorkflowInboundCallsInterceptor = {
    // The workflow function runs before any handler exists: every call after it knows.
    execute: (input, next) => {
      if (input.headers[TRACE_HEADER] !== undefined) {
        // Loaded for a traced order only: the bundle evaluates its modules again in every
        // workflow that requires them, and OpenTelemetry's SDK would add megabytes to each order.
        const otel: typeof OpenTelemetry = require('@temporalio/interceptors-opentelemetry');
        const { context }: typeof OpenTelemetryApi = require('@opentelemetry/api');
        useTraceContext({
          active: () => context.active(),
          with: (c, fn) => context.with(c as OpenTelemetryApi.Context, fn),
        });
        this.otel = {
          inbound: new otel.OpenTelemetryInboundInterceptor(),
          outbound: new otel.OpenTelemetryOutboundInterceptor(),
          internals: new otel.OpenTelemetryInternalsInterceptor(),
        };
      }
      return this.otel ? this.otel.inbound.execute(input, next) : next(input);
    },
    handleSignal: (input, next) => (this.otel ? this.otel.inbound.handleSignal(input, next) : next(input)),
    validateUpdate: (input, next) =>
      this.otel ? this.otel.inbound.validateUpdate(input, next) : next(input),
    handleUpdate: (input, next) => (this.otel ? this.otel.inbound.handleUpdate(input, next) : next(input)),
    handleQuery: (input, next) => (this.otel ? this.otel.inbound.handleQuery(input, next) : next(input)),
  };

  readonly outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) =>
      this.otel ? this.otel.outbound.scheduleActivity(input, next) : next(input),
    scheduleLocalActivity: (input, next) =>
      this.otel ? this.otel.outbound.scheduleLocalActivity(input, next) : next(input),
    startChildWorkflowExecution: (input, next) =>
      this.otel ? this.otel.outbound.startChildWorkflowExecution(input, next) : next(input),
    startNexusOperation: (input, next) =>
      this.otel ? this.otel.outbound.startNexusOperation(input, next) : next(input),
    continueAsNew: (input, next) => (this.otel ? this.otel.outbound.continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) =>
      this.otel ? this.otel.outbound.signalWorkflow(input, next) : next(input),
    // The workflow's log lines carry the trace and span ids.
    getLogAttributes: (input, next) =>
      this.otel ? this.otel.outbound.getLogAttributes(input, next) : next(input),
  };

  // Releases the trace context's storage with the workflow.
  readonly internals: WorkflowInternalsInterceptor = {
    dispose: (input, next) => (this.otel ? this.otel.internals.dispose(input, next) : next(input)),
  };
}

/** Tracing outermost: a signature refused is an error of the ValidateUpdate span. */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const tracing = new OrderTracing();
  return {
    inbound: [tracing.inbound, new EventSignatureCheck()],
    outbound: [tracing.outbound],
    internals: [tracing.internals],
  };
};
