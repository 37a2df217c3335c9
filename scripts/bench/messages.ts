import { defineUpdate } from '@temporalio/workflow';

/** One step of the ceiling's shape; the first one runs the no-op activity, as a payment runs the ledger's. */
export const benchStepUpdate = defineUpdate<number, [{ activity: boolean }]>('benchStep');
