import {
  ApplicationFailure,
  proxySinks,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { z } from 'zod';
import { caseFile } from '../case-file/case-file.js';
import { closingEvent, type OrderEventType } from '../model/events.js';
import {
  allows,
  COMMANDS,
  type Command,
  DEADLINES,
  isOpen,
  leads,
  STATUS_EVENTS,
} from '../model/lifecycle.js';
import {
  type CommandOf,
  DEADLINE_DUE,
  INVALID_EVENT,
  type UpdateName,
  WRONG_STATE,
} from '../model/messages.js';
import {
  ArbitrationDueAtKey,
  ArbitrationOverdueKey,
  BuyerIdKey,
  EscrowAmountKey,
  OrderOutcomeKey,
  OrderStatusKey,
  ShipByKey,
  SupplierIdKey,
} from '../model/search-attributes.js';
import type { OrderSinks } from '../model/sinks.js';
import {
  type CloseReason,
  type OpenStatus,
  type OrderSnapshot,
  type OrderStatus,
  type OrderWorkflowInput,
  openingSnapshot,
  type Statement,
} from '../model/state.js';
import type { OrderVersions } from '../model/versions.js';
import { covered, type SettlementOutcome } from '../rules/money.js';
import { MAX_TIMELINE_ENTRIES } from '../schemas/caps.js';
import { type Contract, DEFAULT_TRANSIT_WINDOW } from '../schemas/contract.js';
import { durationMs } from '../schemas/duration.js';
import type { EventStream } from '../stream/event-stream.js';

const { lifecycle } = proxySinks<OrderSinks>();

/**
 * One Update's handling, given the command its schema parsed: `validate` refuses it before
 * anything is written to history; `handle` runs once it is accepted, and again on every replay.
 */
export interface UpdateHandler<N extends UpdateName> {
  /** What the Web UI shows beside the Update's name. */
  description: string;
  validate(command: CommandOf<N>): void;
  handle(command: CommandOf<N>): OrderSnapshot | Promise<OrderSnapshot>;
}
export type UpdateHandlers = { [N in UpdateName]: UpdateHandler<N> };

/**
 * Refuses an Update in its validator: the failure carries the type the API maps to a status, the
 * message, and no stack trace. The SDK sends a failure's stack to whoever sent the Update, and the
 * Web UI and the CLI print it under the message: a refusal is an answer, not a crash, and the
 * worker's file paths are nobody's business.
 */
export function refuse(type: string, message: string, details?: Record<string, unknown>): never {
  const failure = ApplicationFailure.create({
    type,
    nonRetryable: true,
    message,
    ...(details && { details: [details] }),
  });
  failure.stack = '';
  throw failure;
}

/** How the order ends: decided when it moves to settling, paid out by settlement.ts. */
export interface Decision {
  outcome: SettlementOutcome;
  reason: CloseReason;
  refundAmount?: number;
  memo: string;
}

/**
 * One order's state and the rules all its handlers share: moving between statuses (with the
 * search attributes, the case file and an event each time), deciding the outcome, refusing a
 * command. The handlers (fulfilment.ts, negotiation.ts) change the order only through it; the
 * workflow function (order-workflow.ts) only registers them and waits.
 */
export class Order {
  readonly contract: Contract;
  readonly state: OrderSnapshot;
  /** Set when the order moves to settling. */
  decision?: Decision;
  /** Counts moves of a running deadline: the timer loop wakes on a change and waits anew. */
  deadlineMoves = 0;
  /** Payouts scheduled and not yet answered (settlement.ts). */
  payoutsInFlight = 0;
  private readonly events: EventStream;
  /** The supplier's program standing at creation, for the case file (absent on older orders). */
  private readonly supplierProgram: OrderWorkflowInput['supplierProgram'];
  /** What the features built around the order do as it leaves a status, before it enters the next. */
  private readonly leaving: ((from: OrderStatus, to: OrderStatus) => void)[] = [];

  constructor(
    input: OrderWorkflowInput,
    events: EventStream,
    readonly versions: OrderVersions,
  ) {
    const { contract, supplierProgram } = input;
    this.contract = contract;
    this.supplierProgram = supplierProgram;
    this.events = events;
    this.state = openingSnapshot(contract);
  }

  /**
   * The first case file and `order.created`. Orders started since 'lean-history' got their search
   * attributes with the start request (api/order-start.ts); older ones upsert them here.
   */
  start(): void {
    if (this.versions.lean) this.refreshCaseFile();
    else {
      upsertSearchAttributes([
        { key: BuyerIdKey, value: this.contract.buyer.id },
        { key: SupplierIdKey, value: this.contract.supplier.id },
        { key: ShipByKey, value: new Date(this.contract.shipBy) },
      ]);
      this.publish();
    }
    this.emit('order.created');
  }

  now(): string {
    return new Date(Date.now()).toISOString();
  }

  /**
   * Every change of the order notes its timeline, and so rewrites the case file: a payout or the
   * close leaves no line behind that the change made untrue. (The case file is no command, unlike
   * the search attributes that publish() upserts.)
   */
  note(event: string, detail?: string): void {
    const at = this.now();
    this.state.timeline.push(detail === undefined ? { at, event } : { at, event, detail });
    this.refreshCaseFile();
  }

  private refreshCaseFile(): void {
    setCurrentDetails(caseFile(this.state, this.supplierProgram));
  }

  /** What arbitrators search and read in the Web UI: the search attributes and the case file. */
  publish(): void {
    const s = this.state;
    upsertSearchAttributes([
      { key: OrderStatusKey, value: s.status },
      { key: EscrowAmountKey, value: s.escrowBalance },
      ...(s.outcome ? [{ key: OrderOutcomeKey, value: s.outcome }] : []),
      ...(s.arbitration
        ? [
            { key: ArbitrationDueAtKey, value: new Date(s.arbitration.dueAt) },
            // A decided case is no longer waiting for anyone, overdue or not.
            {
              key: ArbitrationOverdueKey,
              value: s.arbitration.overdue && !(this.versions.claims && s.decision),
            },
          ]
        : []),
    ]);
    this.refreshCaseFile();
  }

  emit(type: OrderEventType, statement?: Statement): void {
    this.events.emit(type, this.now(), this.state, statement);
  }

  /** Registers what a feature does whenever the order leaves a status (extensions expire, offers lapse). */
  onLeave(hook: (from: OrderStatus, to: OrderStatus) => void): void {
    this.leaving.push(hook);
  }

  /**
   * Moves the order along a transition of the lifecycle table. One the table lacks is reported
   * to the worker and made all the same: throwing here would fail the workflow task, and with it
   * every later event of the order.
   */
  moveTo(status: OrderStatus, detail?: string): void {
    const from = this.state.status;
    if (!leads(from, status)) lifecycle.strayMove({ orderId: this.contract.orderId, from, to: status });
    for (const hook of this.leaving) hook(from, status);
    this.state.status = status;
    this.note(status, detail);
    this.publish();
    const type =
      status === 'closed' && this.state.outcome ? closingEvent(this.state.outcome) : STATUS_EVENTS[status];
    if (type) this.emit(type);
  }

  decide(d: Decision): void {
    this.decision = d;
    this.moveTo('settling', `${d.outcome}: ${d.reason}`);
  }

  /** What escrow covers of the order amount: the most a refund of the claim can be. */
  covered(): number {
    return covered(this.state);
  }

  /** The timer of a status (DEADLINES): none while it has no deadline, nor once the SLA fired. */
  runningDeadline(status: OpenStatus): string | undefined {
    if (status === 'in_transit' && !this.state.deadlines.deliverBy) this.setTransitDeadline();
    return this.deadlineOf(status);
  }

  /** The status's deadline has passed on the workflow clock, although its timer has not been handled. */
  private deadlineDue(status: OpenStatus): boolean {
    const deadline = this.deadlineOf(status);
    return deadline !== undefined && Date.now() >= Date.parse(deadline);
  }

  private deadlineOf(status: OpenStatus): string | undefined {
    if (status === 'arbitration' && this.state.arbitration?.overdue) return undefined;
    return this.state.deadlines[DEADLINES[status].deadline];
  }

  /**
   * Without `deliverBy`, delivery is due `transitWindow` after shipment
   * (docs/spec.md#delivery-and-balance-deadlines). Orders that shipped before 'transit-deadline'
   * waited without a timer: they get it when next woken.
   */
  setTransitDeadline(): void {
    const { state, contract } = this;
    if (!state.shipment || state.deadlines.deliverBy || !this.versions.transitDeadline()) return;
    const window = contract.transitWindow ?? DEFAULT_TRANSIT_WINDOW;
    state.deadlines.deliverBy = new Date(
      Date.parse(state.shipment.shippedAt) + durationMs(window),
    ).toISOString();
    this.note('delivery_deadline', `deliver by ${state.deadlines.deliverBy} (transit window ${window})`);
  }

  // Validators throw: the Update is refused, nothing is written to the history.

  /**
   * Refuses a command that the lifecycle table does not allow in the current status (409), or that
   * would grow a full timeline (422).
   */
  require(command: Command): void {
    const { status } = this.state;
    if (allows(command, status)) {
      // The arbitrator's decision is never refused for size: deadlines still move a full order too.
      if (command !== 'arbitrate' && this.state.timeline.length >= MAX_TIMELINE_ENTRIES) {
        this.invalid(
          `the order's timeline holds the most entries an order may have (${MAX_TIMELINE_ENTRIES})`,
        );
      }
      return;
    }
    const { refusal, allowedIn } = COMMANDS[command];
    refuse(
      isOpen(status) && this.deadlineDue(status) ? DEADLINE_DUE : WRONG_STATE,
      `cannot ${refusal} while the order is ${this.state.status}; allowed in: ${allowedIn.join(', ')}`,
      { status: this.state.status },
    );
  }

  /** The order's state does not allow this beyond what the lifecycle table says (HTTP 409). */
  conflict(message: string): never {
    refuse(WRONG_STATE, message, { status: this.state.status });
  }

  invalid(message: string): never {
    refuse(INVALID_EVENT, message);
  }

  parse<S extends z.ZodType>(schema: S, arg: unknown): z.output<S> {
    const result = schema.safeParse(arg);
    if (!result.success) {
      this.invalid(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    return result.data as z.output<S>;
  }

  notInFuture(field: string, at: string | undefined): void {
    if (at !== undefined && Date.parse(at) > Date.now()) this.invalid(`${field} ${at} is in the future`);
  }
}
