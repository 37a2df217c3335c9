import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import { SIGNATURE_HEADER, signEvent } from '../workflows/rules/event-signature.js';

/**
 * Signs every Update this client sends with the API's Ed25519 key (docs/spec.md#who-may-move-money), in a
 * Temporal header, so that the workflow can tell the API's events from anyone else's. The Update id is fixed
 * here when the caller left it to the SDK, because the signature covers it.
 */
export function eventSigningInterceptor(secretKeyHex: string): WorkflowClientInterceptor {
  const signed = (
    headers: Headers,
    workflowId: string,
    updateName: string,
    updateId: string,
    args: unknown[],
  ) => ({
    ...headers,
    [SIGNATURE_HEADER]: defaultPayloadConverter.toPayload(
      signEvent(secretKeyHex, { workflowId, updateName, updateId, args }),
    ),
  });
  return {
    startUpdate(input, next) {
      const updateId = input.options.updateId ?? randomUUID();
      return next({
        ...input,
        options: { ...input.options, updateId },
        headers: signed(
          input.headers,
          input.workflowExecution.workflowId,
          input.updateName,
          updateId,
          input.args,
        ),
      });
    },
    startUpdateWithStart(input, next) {
      const updateId = input.updateOptions.updateId ?? randomUUID();
      return next({
        ...input,
        updateOptions: { ...input.updateOptions, updateId },
        updateHeaders: signed(
          input.updateHeaders,
          input.workflowStartOptions.workflowId,
          input.updateName,
          updateId,
          input.updateArgs,
        ),
      });
    },
  };
}
