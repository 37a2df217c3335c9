import { defineSignal } from '@temporalio/workflow';
import type { StatusReason, SupplierStatus } from '../rules/program.js';

/**
 * The supplier program's model (docs/program.md): its events, the Schedule and the workflows that
 * assess suppliers and deliver their events, and the activities those workflows schedule.
 */

/** What the marketplace learns of a supplier's record, in the feed and by webhook. */
export const SUPPLIER_EVENT_TYPES = [
  'supplier.enrolled',
  'supplier.updated',
  'supplier.status_changed',
  'supplier.limit_changed',
] as const;
export type SupplierEventType = (typeof SUPPLIER_EVENT_TYPES)[number];

/** The supplier as an event shows it: its record without figures that move with every order. */
export interface SupplierSummary {
  supplierId: string;
  name: string;
  country: string;
  enrolled: boolean;
  status: SupplierStatus;
  statusReasons: StatusReason[];
  memberSince: string | null;
  assessedAt: string | null;
}

export type SupplierEventData =
  | { supplier: SupplierSummary }
  | { supplier: SupplierSummary; from: SupplierStatus; to: SupplierStatus; reasons: StatusReason[] }
  | { supplier: SupplierSummary; currency: string; from: number; to: number };

export interface SupplierEvent {
  /** Stable: the same change always carries the same id. */
  id: string;
  supplierId: string;
  /** 1, 2, 3, … per supplier. */
  sequence: number;
  type: SupplierEventType;
  occurredAt: string;
  data: SupplierEventData;
}

/**
 * What an order's workflow is told of its supplier when the order is created: the arbitrator's case
 * file shows it. Absent on orders created before the program.
 */
export interface SupplierProgramSnapshot {
  status: SupplierStatus;
  /** When the figures were read. */
  asOf: string;
  last12Months: { transactions: number; value: { currency: string; amount: number }[] };
}

/** Distinct from every order event's id (`evt_…`), whatever the ids of orders and suppliers. */
export const supplierEventId = (supplierId: string, sequence: number) => `sev_${supplierId}_${sequence}`;

/** The Schedule that assesses every enrolled supplier (created by every worker at start). */
export const ASSESSMENT_SCHEDULE_ID = 'supplier-assessment';
export const ASSESSMENT_WORKFLOW_TYPE = 'supplierAssessment';
/**
 * One workflow per deployment (its task queue) delivers every supplier event, in feed order: a
 * supplier's events arrive in sequence.
 */
export const supplierEventsWorkflowId = (taskQueue: string) => `supplier-events-${taskQueue}`;
export const SUPPLIER_EVENTS_WORKFLOW_TYPE = 'supplierEvents';
/** Wakes the delivery of supplier events: sent with start, after every change. */
export const supplierEventsRecordedSignal = defineSignal('supplierEventsRecorded');

export interface AssessmentInput {
  /** The moment every supplier is assessed at; the first run takes its start. */
  at?: string;
  /** The last supplier id assessed by the runs before this one (continue-as-new). */
  after?: string;
  assessed?: number;
  changed?: number;
  /** Suppliers per page (one transaction) and pages per run before it continues as new. */
  pageSize?: number;
  pagesPerRun?: number;
}

export interface AssessmentResult {
  at: string;
  assessed: number;
  /** Suppliers whose status or limits changed. */
  changed: number;
  /** Reservations of creates that never started an order, given back. */
  released: number;
}

export interface AssessmentPage {
  assessed: number;
  changed: number;
  /** The last supplier id of the page, absent when there was none. */
  last?: string;
}

/**
 * The activities of the program's workflows, implemented in activities/program.ts. The names are
 * activity types recorded in running workflows' histories: never rename one.
 */
export interface ProgramActivities {
  /** Assesses the next page of enrolled suppliers after `after`, at `at`, in one transaction. */
  assessSupplierPage(input: { at: string; after?: string; limit: number }): Promise<AssessmentPage>;
  /**
   * After the last page: gives back the reservations of creates whose workflow never started (a
   * start that timed out), and wakes the delivery of supplier events in case a wake-up was lost.
   */
  finishAssessment(input: { at: string }): Promise<{ released: number }>;
  /** Delivers the next supplier events in feed order; `more` when others wait. */
  deliverSupplierEvents(input: { limit: number }): Promise<{ delivered: number; more: boolean }>;
}
