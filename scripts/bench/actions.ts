import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;

/**
 * Temporal Cloud bills by action (https://docs.temporal.io/cloud/actions). What an order costs,
 * counted from its recorded history by those rules:
 * - a workflow started (client start, continue-as-new, child workflow): one each;
 * - an Update accepted: one each (a rejected Update is an action too but leaves no history: the
 *   API's refusals are not counted here; a deduplicated Update id is no action);
 * - a Signal, received or sent: one each;
 * - a timer started: one each, the SDK's implicit ones included (`condition` with a timeout);
 * - an activity started or retried: one per attempt (a retried activity's last attempt number is in
 *   its started event);
 * - local activities: every marker recorded in one workflow task counts as one action, local
 *   activities being markers (`patched()`'s markers too);
 * - a search attribute upsert: one per command, however many attributes it sets; attributes given
 *   at the start and `TemporalChangeVersion` (what `patched()` upserts) are exempt;
 * - a child workflow started, a Signal to another workflow: one each.
 * Queries (an API read of an open order) and activity heartbeats are actions that no history
 * shows: not counted.
 */
export interface Actions {
  workflowStarts: number;
  updates: number;
  signals: number;
  timers: number;
  activities: number;
  localActivityTasks: number;
  searchAttributeUpserts: number;
  children: number;
  total: number;
}

const CHANGE_VERSION = 'TemporalChangeVersion';

export function countActions(history: proto.temporal.api.history.v1.IHistory): Actions {
  const count: Omit<Actions, 'total'> = {
    workflowStarts: 0,
    updates: 0,
    signals: 0,
    timers: 0,
    activities: 0,
    localActivityTasks: 0,
    searchAttributeUpserts: 0,
    children: 0,
  };
  const tasksWithMarkers = new Set<string>();
  for (const e of history.events ?? []) {
    if (e.workflowExecutionStartedEventAttributes) count.workflowStarts++;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) count.updates++;
    else if (
      e.workflowExecutionSignaledEventAttributes ||
      e.signalExternalWorkflowExecutionInitiatedEventAttributes
    )
      count.signals++;
    else if (e.timerStartedEventAttributes) count.timers++;
    // Counted at its start: an attempt that is scheduled again after a failure is a retry.
    else if (e.activityTaskStartedEventAttributes)
      count.activities += e.activityTaskStartedEventAttributes.attempt ?? 1;
    else if (e.markerRecordedEventAttributes)
      tasksWithMarkers.add(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId));
    else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const fields = Object.keys(
        e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {},
      );
      if (fields.some((name) => name !== CHANGE_VERSION)) count.searchAttributeUpserts++;
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) count.children++;
  }
  count.localActivityTasks = tasksWithMarkers.size;
  const total = Object.values(count).reduce((n, v) => n + v, 0);
  return { ...count, total };
}

/**
 * The fewest actions each path of the benchmark needs on Temporal, by the rules above: the order's
 * start, each Update the marketplace sends, one timer per status with a deadline the order waits
 * in, and one activity per movement of money (funding, each payout). Storing and delivering the
 * order's events, the case file and the search attributes are left out: a marketplace could do
 * them outside Temporal.
 */
export const SHAPE_MINIMUM = {
  // Start, 4 Updates (payment, shipment, delivery, inspection), timers of funding, shipment,
  // transit and inspection, the funding and the release.
  happy: 1 + 4 + 4 + 2,
  // Start, 5 Updates (… and the arbitrator's decision), the timers of happy and the arbitration's
  // SLA, the funding and two payouts (refund and release).
  dispute: 1 + 5 + 5 + 3,
  // Start, the payment, the timers of funding and shipment, the funding and the refund.
  lateRefund: 1 + 1 + 2 + 2,
} as const;

/** A workflow's history in the pages the server sends it in. */
export async function historyPages(client: Client, workflowId: string) {
  const pages: proto.temporal.api.history.v1.IHistory[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      nextPageToken,
    });
    if (page.history) pages.push(page.history);
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return pages;
}

/** A workflow's history as the server sends it: its size, its events and the actions they count. */
export async function historyFigures(client: Client, workflowId: string) {
  const pages = await historyPages(client, workflowId);
  const bytes = pages.reduce(
    (n, page) => n + temporal.api.history.v1.History.encode(page).finish().length,
    0,
  );
  const events = pages.flatMap((page) => page.events ?? []);
  return {
    bytes,
    events: events.length,
    actions: countActions({ events }),
    bytesByKind: bytesByKind(events),
  };
}

/**
 * Where a history's bytes are, by kind of event (`workflowExecutionUpdateCompleted`, `markerRecorded`,
 * …): the profile's answer to which part of an order grows its history.
 */
function bytesByKind(events: proto.temporal.api.history.v1.IHistoryEvent[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const event of events) {
    const kind =
      Object.keys(event)
        .find((key) => key.endsWith('EventAttributes') && event[key as keyof typeof event])
        ?.replace(/EventAttributes$/, '') ?? 'other';
    kinds[kind] = (kinds[kind] ?? 0) + temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
  }
  return kinds;
}
