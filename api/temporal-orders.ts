import {
  ApplicationFailure,
  type Client,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { acceptedUpdateIdentity } from '../activities/decision-sender.js';
import type { OrderEventStore } from '../db/order-event-store.js';
import type { Reservation, SupplierProgram } from '../db/supplier-program.js';
import {
  DEADLINE_DUE,
  isStoredAnswer,
  ORDER_WORKFLOW_ID_PREFIX,
  type OrderAnswer,
  orderQuery,
  type StoredAnswer,
  workflowIdFor,
} from '../workflows/model/messages.js';
import {
  ArbitrationDueAtKey,
  ArbitrationOverdueKey,
  BuyerIdKey,
  EscrowAmountKey,
  OrderOutcomeKey,
  OrderStatusKey,
  ShipByKey,
  SupplierIdKey,
} from '../workflows/model/search-attributes.js';
import {
  ORDER_STATUSES,
  type OrderOutcome,
  type OrderSnapshot,
  type OrderStatus,
  type OrderWorkflowInput,
  openingSnapshot,
} from '../workflows/model/state.js';
import type { order } from '../workflows/order-workflow.js';
import {
  type Contract,
  contractProblems,
  normalizeContract,
  type ParsedContractInput,
} from '../workflows/schemas/contract.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { canonicalJson, sameCreate } from './fingerprint.js';
import {
  ContractContradiction,
  IdempotencyKeyReused,
  InvalidCursor,
  NotProtected,
  OrderClosed,
  OrderExists,
  OrderNotFound,
} from './order-problems.js';
import { ORDER_WORKFLOW_TYPE, startOrderWorkflow } from './order-start.js';
import { storedSnapshot } from './stored-answers.js';
import { decodeFirstPayload, orderSearchAttributes, timestampToDate } from './temporal-payloads.js';
import { isUnavailable, withTimeout } from './upstream-errors.js';

export interface OrderListItem {
  orderId: string;
  status: OrderStatus;
  outcome?: OrderOutcome;
  buyerId: string;
  supplierId: string;
  shipBy?: string;
  escrowAmount?: number;
  arbitrationDueAt?: string;
  arbitrationOverdue?: boolean;
  createdAt: string;
  closedAt?: string;
}

export interface OrderFilter {
  status?: OrderStatus;
  buyerId?: string;
  supplierId?: string;
}

/** An event sent with an `Idempotency-Key`. */
export interface Idempotency {
  /** The key, prefixed with the route: what Temporal deduplicates on. */
  updateId: string;
  /**
   * The argument recorded under the id, parsed again as the route parses a body today (so that a
   * default added since does not make an old request look like another one), or undefined when
   * today's schema refuses it.
   */
  reparse: (recorded: unknown) => unknown;
}

export interface CreateResult {
  created: boolean;
  snapshot: OrderSnapshot;
}

const GRPC_NOT_FOUND = 5;
/**
 * Events read per page from the end of a history: an Update just answered is accepted a few
 * events from the end (its own, the workflow task's, the activity it may have started).
 */
const REVERSE_HISTORY_PAGE = 20;
const NOT_RECORDED = Symbol('no argument recorded for the Update id');
/** A deadline's workflow task completes within milliseconds of the refusal; a few tries cover a slow worker. */
const DEADLINE_DUE_ATTEMPTS = 5;
const DEADLINE_DUE_PAUSE_MS = 200;

/**
 * The orders as the API sees them in Temporal: one workflow per order, its `order` query, its
 * Updates, and visibility for lists and counts. Every call runs under a deadline, so that an
 * unreachable cluster or a missing worker becomes a prompt 503 instead of a hanging request.
 */
export class TemporalOrders {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timeoutMs: number,
    /** The supplier program: what protects an order at creation (docs/program.md#protection). */
    private readonly program: Pick<SupplierProgram, 'reserve' | 'probe' | 'giveBack'>,
    /**
     * The stored events: a closed order's final snapshot, an Update's stored answer
     * (api/stored-answers.ts). Without them, the order's Query answers.
     */
    private readonly closedOrders?: Pick<OrderEventStore, 'finalSnapshot' | 'snapshotAt'>,
    private readonly log: { warn(details: object, message: string): void } = console,
  ) {}

  private within<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + this.timeoutMs, fn);
  }

  private handle(orderId: string) {
    return this.client.workflow.getHandle<typeof order>(workflowIdFor(orderId));
  }

  /**
   * Starts the order's workflow, or finds the one a previous identical request started. An
   * identical retry is answered even after its deadlines have passed (when the body, checked anew,
   * would no longer be a valid contract). A new order is created only when the supplier program
   * protects it, and reserves its amount in the supplier's coverage first.
   */
  async create(input: ParsedContractInput, now: Date): Promise<CreateResult> {
    const problems = contractProblems(input, now);
    if (problems.length === 0) {
      const contract = normalizeContract(input, now);
      const reservation = await this.reserve(contract, now);
      try {
        await this.within(() =>
          startOrderWorkflow(
            this.client,
            input,
            contract,
            this.taskQueue,
            reservation.outcome === 'reserved' ? reservation.snapshot : undefined,
          ),
        );
        return { created: true, snapshot: openingSnapshot(contract) };
      } catch (err) {
        if (reservation.outcome === 'reserved') await this.giveBackUnlessStarted(contract.orderId, err);
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    const existing = await this.requestFingerprint(input.orderId);
    if (existing === undefined && problems.length > 0) throw new ContractContradiction(problems);
    if (!sameCreate(existing, input)) {
      throw new OrderExists(input.orderId, await this.currentStatus(input.orderId));
    }
    return { created: false, snapshot: await this.snapshot(input.orderId) };
  }

  private reserve(contract: Contract, now: Date): Promise<Reservation> {
    return this.protection('reserve', contract, now);
  }

  /**
   * The program's answer to a new order: reserved, or a NotProtected refusal. `probe` asks the
   * same question and reserves nothing.
   */
  private async protection(
    mode: 'reserve' | 'probe',
    contract: Pick<Contract, 'orderId' | 'supplier' | 'currency' | 'amount'>,
    now: Date,
  ): Promise<Reservation> {
    const reservation = await withTimeout(
      this.program[mode](
        {
          orderId: contract.orderId,
          supplierId: contract.supplier.id,
          currency: contract.currency,
          amount: contract.amount,
        },
        now,
      ),
      this.timeoutMs,
      'postgres',
    );
    if (reservation.outcome === 'refused') {
      const { outcome: _, ...coverage } = reservation;
      throw new NotProtected(contract.supplier.id, contract.amount, coverage);
    }
    return reservation;
  }

  /**
   * The refusals a create of this (schema-valid) contract would meet now, each as the create
   * raises it: its contradictions (422), then the program's refusal (422 not-protected). It starts
   * and reserves nothing. A create stops at the first; a check lists both, so that one answer
   * names everything to fix.
   */
  async createRefusals(input: ParsedContractInput, now: Date): Promise<Error[]> {
    const problems = contractProblems(input, now);
    const refusals: Error[] = problems.length > 0 ? [new ContractContradiction(problems)] : [];
    try {
      await this.protection('probe', input, now);
    } catch (err) {
      if (!(err instanceof NotProtected)) throw err;
      refusals.push(err);
    }
    return refusals;
  }

  /**
   * A create that did not start its workflow gives its reservation back. When the start's fate is
   * unknown (Temporal did not answer in time), the workflow is looked for; while that cannot be
   * told either, the reservation stays (a retry of the create uses it), and the assessment gives
   * back those whose order never started (docs/program.md#protection).
   */
  private async giveBackUnlessStarted(orderId: string, err: unknown): Promise<void> {
    try {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        try {
          await this.within(() => this.handle(orderId).describe());
          return;
        } catch (describeErr) {
          if (!(describeErr instanceof WorkflowNotFoundError)) throw describeErr;
        }
      }
      await withTimeout(this.program.giveBack(orderId), this.timeoutMs, 'postgres');
    } catch (giveBackErr) {
      this.log.warn({ orderId, err: giveBackErr }, 'reservation of an order that did not start kept for now');
    }
  }

  /**
   * A closed order is read from PostgreSQL: no Query replaying its whole history on a worker, and
   * an answer while no worker runs. An open one is asked of its workflow, so that a read after an
   * event's answer sees that event even before the event is stored.
   */
  async snapshot(orderId: string): Promise<OrderSnapshot> {
    const closed = await this.finalSnapshot(orderId);
    return closed ? this.withSender(orderId, closed) : this.query(orderId);
  }

  /**
   * The workflow copies the decision's sender from history into its state before it settles, so a
   * closed order's snapshot has it. History is read only when the snapshot lacks it: between the
   * decision and that copy, when the copy failed, or for orders decided before 'decision-sender'.
   */
  private async withSender(orderId: string, snapshot: OrderSnapshot): Promise<OrderSnapshot> {
    if (!snapshot.decision || snapshot.decision.sentBy !== undefined) return snapshot;
    const sentBy = await this.acceptedUpdateIdentity(orderId, 'arbitrate');
    return { ...snapshot, decision: { ...snapshot.decision, sentBy } } as OrderSnapshot;
  }

  /** A PostgreSQL that is down costs the read model, not the read: the workflow still answers. */
  private async finalSnapshot(orderId: string): Promise<OrderSnapshot | undefined> {
    if (!this.closedOrders) return undefined;
    try {
      // Half the budget, so that the Query behind it still has time.
      return await withTimeout(this.closedOrders.finalSnapshot(orderId), this.timeoutMs / 2, 'postgres');
    } catch (err) {
      if (isUnavailable(err)) return undefined;
      throw err;
    }
  }

  private async query(orderId: string): Promise<OrderSnapshot> {
    try {
      return await this.withSender(orderId, await this.within(() => this.handle(orderId).query(orderQuery)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new OrderNotFound(orderId);
      throw err;
    }
  }

  /**
   * The caller identity Temporal recorded with the accepted Update of that name
   * (docs/arbitrators.md#who-decided; read as decision-sender.ts reads it).
   */
  private async acceptedUpdateIdentity(orderId: string, updateName: string): Promise<string | null> {
    const history = await this.within(() => this.handle(orderId).fetchHistory());
    return acceptedUpdateIdentity(history, updateName);
  }

  /**
   * Runs an Update; a retry with the same Update id and the same argument gets the first answer
   * and changes nothing, one with another argument is refused (`idempotency-key-reused`).
   */
  async apply<Arg>(
    orderId: string,
    update: UpdateDefinition<OrderSnapshot, [Arg]>,
    arg: Arg,
    idempotency: Idempotency | undefined,
  ): Promise<OrderSnapshot> {
    const updateId = idempotency?.updateId;
    try {
      const answer: OrderAnswer = await this.executeUpdate(orderId, update, arg, updateId);
      if (idempotency) await this.assertSameRequest(orderId, idempotency, arg);
      // Either shape, whichever version started the order: APIs and workers upgrade in any order.
      const snapshot = isStoredAnswer(answer) ? await this.storedAnswer(orderId, answer) : answer;
      // The workflow answers without the dispute's statements, to keep them out of its history.
      if (snapshot.dispute && !snapshot.dispute.statements) {
        const current = await this.snapshot(orderId);
        snapshot.dispute.statements = current.dispute?.statements ?? [];
      }
      return snapshot;
    } catch (err) {
      // The server answers an Update on a closed workflow as if the workflow did not exist.
      if (err instanceof WorkflowNotFoundError)
        throw new OrderClosed(orderId, await this.currentStatus(orderId));
      throw err;
    }
  }

  private async storedAnswer(orderId: string, answer: StoredAnswer): Promise<OrderSnapshot> {
    const stored =
      this.closedOrders && (await storedSnapshot(this.closedOrders, orderId, answer, this.timeoutMs / 2));
    return stored ?? this.query(orderId);
  }

  /**
   * A refused Update leaves nothing behind, so the same one is sent again when it was refused only
   * because its status's deadline had passed without being handled yet (DEADLINE_DUE): by then the
   * deadline has moved the order, and the Update is judged on the new status.
   */
  private async executeUpdate<Arg>(
    orderId: string,
    update: UpdateDefinition<OrderSnapshot, [Arg]>,
    arg: Arg,
    updateId: string | undefined,
  ): Promise<OrderSnapshot> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.within(() =>
          this.handle(orderId).executeUpdate(update, updateId ? { args: [arg], updateId } : { args: [arg] }),
        );
      } catch (err) {
        const deadlineDue =
          err instanceof WorkflowUpdateFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === DEADLINE_DUE;
        if (!deadlineDue || attempt >= DEADLINE_DUE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, DEADLINE_DUE_PAUSE_MS));
      }
    }
  }

  /**
   * Temporal answers an Update id it has accepted before with that Update's outcome, whatever the
   * new argument: it compares ids only. So the argument it accepted under the id (in the history,
   * read from the end, where a fresh Update is) is compared with this one, as canonical JSON after
   * parsing, as a create's body is. The other argument never ran, so refusing it changes nothing.
   * A record that cannot be compared is answered as before, with the outcome: an id not found in
   * the history (a run reset since), an argument that today's schema no longer reads.
   */
  private async assertSameRequest(orderId: string, idempotency: Idempotency, arg: unknown): Promise<void> {
    const { updateId, reparse } = idempotency;
    const accepted = await this.acceptedArgument(orderId, updateId);
    if (accepted === NOT_RECORDED) return;
    const recorded = reparse(accepted);
    if (recorded === undefined || canonicalJson(recorded) === canonicalJson(arg)) return;
    const [route = '', ...key] = updateId.split(':');
    throw new IdempotencyKeyReused(orderId, route, key.join(':'));
  }

  private async acceptedArgument(orderId: string, updateId: string): Promise<unknown> {
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await this.within(() =>
        this.client.workflowService.getWorkflowExecutionHistoryReverse({
          namespace: this.client.options.namespace,
          execution: { workflowId: workflowIdFor(orderId) },
          maximumPageSize: REVERSE_HISTORY_PAGE,
          nextPageToken,
        }),
      );
      for (const event of page.history?.events ?? []) {
        const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
        if (request?.meta?.updateId !== updateId) continue;
        const payloads = request.input?.args?.payloads;
        if (!payloads?.length) return NOT_RECORDED;
        return decodeFirstPayload(this.client.options.loadedDataConverter, payloads);
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return NOT_RECORDED;
  }

  /** `closed` once the workflow has ended in any way; otherwise the status it published. */
  async currentStatus(orderId: string): Promise<string> {
    try {
      const description = await this.within(() => this.handle(orderId).describe());
      if (description.status.name !== 'RUNNING') return 'closed';
      return description.typedSearchAttributes.get(OrderStatusKey) ?? 'awaiting_funding';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new OrderNotFound(orderId);
      throw err;
    }
  }

  async assertExists(orderId: string): Promise<void> {
    await this.currentStatus(orderId);
  }

  /** What the workflow was started with, read from its first history event: no worker needed. */
  private async requestFingerprint(orderId: string): Promise<string | undefined> {
    try {
      const { history } = await this.within(() =>
        this.client.workflowService.getWorkflowExecutionHistory({
          namespace: this.client.options.namespace,
          execution: { workflowId: workflowIdFor(orderId) },
          maximumPageSize: 1,
        }),
      );
      const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
      const input = await decodeFirstPayload<OrderWorkflowInput>(
        this.client.options.loadedDataConverter,
        started?.input?.payloads,
      );
      return input?.requestFingerprint;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return undefined;
      throw err;
    }
  }

  /** Newest first. */
  async list(
    filter: OrderFilter,
    limit: number,
    cursor: string | undefined,
  ): Promise<{ orders: OrderListItem[]; nextCursor: string | null }> {
    const clauses = [`WorkflowType = '${ORDER_WORKFLOW_TYPE}'`];
    if (filter.status) clauses.push(`OrderStatus = ${quote(filter.status)}`);
    if (filter.buyerId) clauses.push(`BuyerId = ${quote(filter.buyerId)}`);
    if (filter.supplierId) clauses.push(`SupplierId = ${quote(filter.supplierId)}`);
    const query = clauses.join(' AND ');
    const nextPageToken = cursor === undefined ? undefined : decodeCursor(cursor, query);
    if (cursor !== undefined && nextPageToken === undefined) throw new InvalidCursor();
    const page = await this.within(() =>
      this.client.workflowService.listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query,
        pageSize: limit,
        nextPageToken,
      }),
    );
    const token = page.nextPageToken;
    return {
      orders: page.executions.map((execution) => {
        const attributes = orderSearchAttributes(execution.searchAttributes?.indexedFields);
        const workflowId = execution.execution?.workflowId ?? '';
        return {
          orderId: workflowId.startsWith(ORDER_WORKFLOW_ID_PREFIX)
            ? workflowId.slice(ORDER_WORKFLOW_ID_PREFIX.length)
            : workflowId,
          status: (attributes.get(OrderStatusKey) ?? 'awaiting_funding') as OrderStatus,
          outcome: attributes.get(OrderOutcomeKey) as OrderOutcome | undefined,
          buyerId: attributes.get(BuyerIdKey) ?? '',
          supplierId: attributes.get(SupplierIdKey) ?? '',
          shipBy: attributes.get(ShipByKey)?.toISOString(),
          escrowAmount: attributes.get(EscrowAmountKey),
          arbitrationDueAt: attributes.get(ArbitrationDueAtKey)?.toISOString(),
          arbitrationOverdue: attributes.get(ArbitrationOverdueKey),
          createdAt: (timestampToDate(execution.startTime) ?? new Date(0)).toISOString(),
          closedAt: timestampToDate(execution.closeTime)?.toISOString(),
        };
      }),
      nextCursor: token && token.length > 0 ? encodeCursor(token, query) : null,
    };
  }

  /** One visibility count per status: SQL visibility groups only by ExecutionStatus. */
  async countByStatus(): Promise<Record<OrderStatus, number>> {
    const counts = await this.within(() =>
      Promise.all(
        ORDER_STATUSES.map((status) =>
          this.client.workflow.count(
            `WorkflowType = '${ORDER_WORKFLOW_TYPE}' AND OrderStatus = ${quote(status)}`,
          ),
        ),
      ),
    );
    return Object.fromEntries(ORDER_STATUSES.map((status, i) => [status, counts[i]?.count ?? 0])) as Record<
      OrderStatus,
      number
    >;
  }
}

/** A string literal of the visibility query language. */
const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
