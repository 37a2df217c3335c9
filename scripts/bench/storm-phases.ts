import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;
type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/**
 * Where a deadline's time goes, from the fired timer to the closed workflow, read from the
 * timestamps Temporal wrote in each history: the bare timers and the orders of a storm have the
 * same shape after the timer (a task, one activity, a closing task), so each phase of one compares
 * with the same phase of the other.
 */
export const STORM_PHASES = [
  'task after the timer: waiting',
  'task after the timer: running',
  'money activity: waiting',
  'money activity: running',
  'closing task: waiting',
  'closing task: running',
] as const;
export type StormPhase = (typeof STORM_PHASES)[number];

const millis = (event: HistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);

/** Milliseconds per phase, or undefined for a history without that shape (a workflow that failed). */
export function stormPhases(history: History): Record<StormPhase, number> | undefined {
  const events = history.events ?? [];
  // Each phase ends at the next event of its type after the one before; the activity is scheduled
  // when the task after the timer completes.
  const ends = [
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  ];
  let at = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
  if (at < 0) return undefined;
  const times = [millis(events[at] as HistoryEvent)];
  for (const type of ends) {
    at = events.findIndex((e, j) => j > at && e.eventType === type);
    if (at < 0) return undefined;
    times.push(millis(events[at] as HistoryEvent));
  }
  return Object.fromEntries(
    STORM_PHASES.map((phase, i) => [phase, (times[i + 1] as number) - (times[i] as number)]),
  ) as Record<StormPhase, number>;
}
