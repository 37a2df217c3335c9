import { defineQuery } from '@temporalio/workflow';
import type { z } from 'zod';
import { updateRegistry } from '../../model/registry.js';
import {
  CloseLineSchema,
  DrawRefundSchema,
  DrawReservationSchema,
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
export const { names: LINE_UPDATE_NAMES, updates: LINE_UPDATES } =
  updateRegistry<LineAnswer>()(LINE_COMMAND_SCHEMAS);

export const creditLineQuery = defineQuery<CreditLineSnapshot>('creditLine');

/** Failure types of the line's validators; the API maps them to HTTP statuses. */
export const LINE_WRONG_STATE = 'CreditLineWrongState';
export const LINE_INVALID = 'CreditLineInvalid';
export const CREDIT_UNAVAILABLE = 'CreditUnavailable';
export const UNKNOWN_DRAW = 'CreditLineUnknownDraw';

export const CREDIT_LINE_WORKFLOW_ID_PREFIX = 'credit-line-';
export const creditLineWorkflowId = (lineId: string) => `${CREDIT_LINE_WORKFLOW_ID_PREFIX}${lineId}`;
export const drawIdOf = (d: { orderId: string; reference: string }) => `${d.orderId}:${d.reference}`;
