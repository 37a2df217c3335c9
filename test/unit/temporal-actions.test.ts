import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { countActions } from '../../scripts/bench/actions.js';
import { historyFromJSON } from '../support/histories.js';

const fixture = async (name: string) =>
  historyFromJSON(
    JSON.parse(await readFile(new URL(`../fixtures/histories/${name}`, import.meta.url), 'utf8')),
  );

describe('Temporal Cloud actions counted from a recorded history', () => {
  it('counts a released order by the published rules', async () => {
    // Counted by hand from the 59 events of the fixture:
    // - started (event 1);
    // - Updates accepted: payment, shipment, delivery, acceptance (7, 29, 38, 47);
    // - timers started: funding, shipment, transit, inspection deadlines (9, 24, 33, 42);
    // - activities, one attempt each: creditEscrow, recordAndDeliverOrderEvents, releaseToSupplier;
    // - workflow tasks with markers: the patch marker of task 4 and the local activities of tasks
    //   20, 28, 37 and 56;
    // - upserts: 21, 30, 39, 48, 57; event 6 sets only TemporalChangeVersion, which is exempt.
    expect(countActions(await fixture('released-buyer_accepted.json'))).toEqual({
      workflowStarts: 1,
      updates: 4,
      signals: 0,
      timers: 4,
      activities: 3,
      localActivityTasks: 5,
      searchAttributeUpserts: 5,
      children: 0,
      total: 22,
    });
  });

  it('counts each attempt of a retried activity and one action for markers of one task', () => {
    const events = [
      { eventId: 1, workflowExecutionStartedEventAttributes: {} },
      { eventId: 2, activityTaskStartedEventAttributes: { attempt: 3 } },
      { eventId: 3, markerRecordedEventAttributes: { workflowTaskCompletedEventId: 9 } },
      { eventId: 4, markerRecordedEventAttributes: { workflowTaskCompletedEventId: 9 } },
      { eventId: 5, workflowExecutionSignaledEventAttributes: {} },
    ];
    expect(countActions({ events } as never)).toMatchObject({
      activities: 3,
      localActivityTasks: 1,
      signals: 1,
      total: 6,
    });
  });
});
