import type { temporal } from '@temporalio/proto';

/**
 * The caller identity Temporal recorded with the accepted Update of that name: what the caller
 * declared (`identity` of its client), since neither Temporal UI 2.42.1 nor server 1.32.2 fills it
 * from a login (docs/arbitrators.md#who-decided). Null when the caller declared none, as the Web UI does.
 * The workflow cannot see it: the API reads it for the snapshot, an activity for the workflow.
 */
export function acceptedUpdateIdentity(
  history: temporal.api.history.v1.IHistory,
  updateName: string,
): string | null {
  const accepted = (history.events ?? [])
    .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest)
    .filter((request) => request?.input?.name === updateName);
  return accepted.at(-1)?.meta?.identity || null;
}
