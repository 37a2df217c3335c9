import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { z } from 'zod';
import { updateRegistry } from '../../model/registry.js';
import {
  CloseLineSchema,
  DrawRefundSchema,
  type DrawReservation,
  DrawReservationSchema,
  type DrawStep,
  DrawStepSchema,
  RepaymentSchema,
  VerificationSchema,
} from '../schemas/commands.js';
import type { CreditLineSnapshot, LineAnswer } from './state.js';

/**
 * The line's Updates, each with ONE object argument of its schema. The underwriter's first: the
 * Web UI lists them in this order. The draw steps are the line's side of the saga of
 * docs/credit.md#draws.
 */
export const LINE_COMMAND_SCHEMAS = {
  verify: VerificationSchema,
  reserveDraw: DrawReservationSchema,
  confirmDraw: DrawStepSchema,
  releaseDraw: DrawStepSchema,
  refundDraw: DrawRefundSchema,
  repay: RepaymentSchema,
  close: CloseLineSchema,
} as const;
export type LineUpdateName = keyof typeof LINE_COMMAND_SCHEMAS;
export type LineCommandOf<N extends LineUpdateName> = z.output<(typeof LINE_COMMAND_SCHEMAS)[N]>;
/** What a sender passes: fields with a default may be left out. */
export type LineCommandInputOf<N extends LineUpdateName> = z.input<(typeof LINE_COMMAND_SCHEMAS)[N]>;
export const { names: LINE_UPDATE_NAMES, updates: LINE_UPDATES } =
  updateRegistry<LineAnswer>()(LINE_COMMAND_SCHEMAS);

export const creditLineQuery = defineQuery<CreditLineSnapshot>('creditLine');
/**
 * From a financed order whose refund moved money to the line (docs/credit.md#refunds). A Signal
 * that carries no amount: the line reads what was refunded from the ledger, so a Signal from anyone
 * else can at most make it read the ledger again.
 */
export const drawRefundedSignal = defineSignal<[DrawStep]>('drawRefunded');

/** Failure types of the line's validators; the API maps them to HTTP statuses. */
export const LINE_WRONG_STATE = 'CreditLineWrongState';
export const LINE_INVALID = 'CreditLineInvalid';
export const CREDIT_UNAVAILABLE = 'CreditUnavailable';
export const UNKNOWN_DRAW = 'CreditLineUnknownDraw';

export const CREDIT_LINE_WORKFLOW_ID_PREFIX = 'credit-line-';
export const creditLineWorkflowId = (lineId: string) => `${CREDIT_LINE_WORKFLOW_ID_PREFIX}${lineId}`;
export const drawIdOf = (d: { orderId: string; reference: string }) => `${d.orderId}:${d.reference}`;

export interface LineStepCall<A> {
  workflowId: string;
  updateName: 'reserveDraw' | 'confirmDraw' | 'releaseDraw';
  updateId: string;
  arg: A;
}

/**
 * The line's Updates of one draw, built in one place for the API, which signs them, and the order's
 * activities, which send them: the Update id is the draw's business key and the step, so that a step
 * sent again after a crash is the same Update.
 */
export function lineStepCalls(lineId: string, draw: DrawReservation) {
  const workflowId = creditLineWorkflowId(lineId);
  const step: DrawStep = { orderId: draw.orderId, reference: draw.reference };
  const id = (name: string) => `draw:${drawIdOf(draw)}:${name}`;
  return {
    reserve: {
      workflowId,
      updateName: 'reserveDraw',
      updateId: id('reserve'),
      arg: { ...step, amount: draw.amount },
    } satisfies LineStepCall<DrawReservation>,
    confirm: {
      workflowId,
      updateName: 'confirmDraw',
      updateId: id('confirm'),
      arg: step,
    } satisfies LineStepCall<DrawStep>,
    release: {
      workflowId,
      updateName: 'releaseDraw',
      updateId: id('release'),
      arg: step,
    } satisfies LineStepCall<DrawStep>,
  };
}
