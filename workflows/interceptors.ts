import {
  ApplicationFailure,
  defaultPayloadConverter,
  type Next,
  type UpdateInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  workflowInfo,
} from '@temporalio/workflow';
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
        throw ApplicationFailure.create({
          type: UNSIGNED_EVENT,
          nonRetryable: true,
          message: `${input.name} refused: ${problem}; marketplace events are accepted only from the escrow API`,
        });
      }
    }
    next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new EventSignatureCheck()] });
