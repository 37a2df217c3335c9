import type { OrderEventType } from './events.js';
import type { UpdateName } from './messages.js';
import { type Deadlines, OPEN_STATUSES, type OpenStatus, ORDER_STATUSES, type OrderStatus } from './state.js';

/**
 * The order's lifecycle in one place: which command (Update) is accepted in which status, which
 * deadline timer runs in which status, and where each leads. The Update validators refuse a
 * command outside `allowedIn`, the workflow's timer loop waits on `DEADLINES`, every move of the
 * order is checked against the transitions (`leads`: Order.moveTo reports one the table lacks),
 * and the case file and the diagram of docs/spec.md#lifecycle (`lifecycleDiagram`, checked by
 * test/unit/lifecycle.test.ts) read it.
 */

/** Where a command or a deadline leads. `from` narrows it to some of the statuses it is allowed in. */
export interface Transition {
  from?: readonly OrderStatus[];
  to: OrderStatus;
  when: string;
}

export interface CommandRule {
  /** The Update that carries the command (messages.ts). */
  update: UpdateName;
  /** Completes the refusal "cannot <refusal> while the order is <status>". */
  refusal: string;
  /** In this order in the refusal's "allowed in: …". */
  allowedIn: readonly OrderStatus[];
  leadsTo: readonly Transition[];
}

export const COMMANDS = {
  recordPayment: {
    update: 'recordPayment',
    refusal: 'record a payment',
    allowedIn: OPEN_STATUSES,
    leadsTo: [{ from: ['awaiting_funding'], to: 'awaiting_shipment', when: 'payments reach the deposit' }],
  },
  recordShipment: {
    update: 'recordShipment',
    refusal: 'record a shipment',
    allowedIn: ['awaiting_shipment'],
    leadsTo: [{ to: 'in_transit', when: 'shipment (shippedAt ≤ shipBy)' }],
  },
  recordDelivery: {
    update: 'recordDelivery',
    refusal: 'record a delivery',
    allowedIn: ['in_transit'],
    leadsTo: [{ to: 'inspection', when: 'delivery (window starts at deliveredAt)' }],
  },
  lateDelivery: {
    update: 'recordDelivery',
    refusal: 'record a delivery',
    allowedIn: ['negotiation', 'arbitration'],
    leadsTo: [
      { from: ['negotiation'], to: 'inspection', when: 'late delivery supersedes a not_delivered claim' },
    ],
  },
  submitInspection: {
    update: 'submitInspection',
    refusal: 'submit an inspection report',
    allowedIn: ['inspection'],
    leadsTo: [
      { to: 'settling', when: 'report conforms and measures every term (released, buyer_accepted)' },
      { to: 'negotiation', when: 'report contradicts the contract (automatic claim)' },
      { to: 'arbitration', when: 'contradicts, negotiationWindow PT0S' },
    ],
  },
  fileClaim: {
    update: 'fileClaim',
    refusal: 'file a claim',
    allowedIn: ['inspection'],
    leadsTo: [
      { to: 'negotiation', when: 'buyer files a claim' },
      { to: 'arbitration', when: 'claim, negotiationWindow PT0S' },
    ],
  },
  acceptGoods: {
    update: 'acceptGoods',
    refusal: 'accept the goods',
    allowedIn: ['inspection'],
    leadsTo: [{ to: 'settling', when: 'buyer accepts (released, buyer_accepted)' }],
  },
  accept_claim: {
    update: 'settle',
    refusal: 'accept claim',
    allowedIn: ['negotiation'],
    leadsTo: [
      { to: 'settling', when: 'accept_claim (refunded, or split below covered)' },
      { to: 'return_pending', when: 'accept_claim of all covered after delivery (return requested)' },
    ],
  },
  offer: { update: 'settle', refusal: 'offer', allowedIn: ['negotiation'], leadsTo: [] },
  accept_offer: {
    update: 'settle',
    refusal: 'accept offer',
    allowedIn: ['negotiation'],
    leadsTo: [{ to: 'settling', when: 'accept_offer (split, or refunded at covered)' }],
  },
  escalate: {
    update: 'settle',
    refusal: 'escalate',
    allowedIn: ['negotiation'],
    leadsTo: [{ to: 'arbitration', when: 'either party escalates' }],
  },
  addStatement: {
    update: 'addStatement',
    refusal: 'add a statement',
    allowedIn: ['negotiation', 'arbitration'],
    leadsTo: [],
  },
  withdraw_claim: {
    update: 'settle',
    refusal: 'withdraw claim',
    allowedIn: ['negotiation'],
    leadsTo: [{ to: 'settling', when: 'withdraw_claim (released)' }],
  },
  cancelAsBuyer: {
    update: 'cancel',
    refusal: 'cancel as the buyer',
    allowedIn: ['awaiting_funding'],
    leadsTo: [{ to: 'settling', when: 'buyer cancels (cancelled)' }],
  },
  cancelAsSupplier: {
    update: 'cancel',
    refusal: 'cancel as the supplier',
    allowedIn: ['awaiting_funding', 'awaiting_shipment'],
    leadsTo: [
      { from: ['awaiting_funding'], to: 'settling', when: 'supplier cancels (cancelled)' },
      {
        from: ['awaiting_shipment'],
        to: 'settling',
        when: 'supplier cancels (refunded; balance_unpaid once the balance is overdue)',
      },
    ],
  },
  arbitrate: {
    update: 'arbitrate',
    refusal: 'arbitrate',
    allowedIn: ['arbitration'],
    leadsTo: [
      { to: 'settling', when: 'arbitrator decides refund / release / split' },
      { to: 'return_pending', when: 'refund with returnGoods (return requested)' },
    ],
  },
  // docs/spec.md#extensions: the deadline running in the status moves only when the other party accepts.
  extendShipBy: {
    update: 'proposeExtension',
    refusal: 'propose a shipBy extension',
    allowedIn: ['awaiting_shipment'],
    leadsTo: [],
  },
  extendDeliverBy: {
    update: 'proposeExtension',
    refusal: 'propose a deliverBy extension',
    allowedIn: ['in_transit'],
    leadsTo: [],
  },
  extendInspection: {
    update: 'proposeExtension',
    refusal: 'propose an inspection extension',
    allowedIn: ['inspection'],
    leadsTo: [],
  },
  extendNegotiation: {
    update: 'proposeExtension',
    refusal: 'propose a negotiation extension',
    allowedIn: ['negotiation'],
    leadsTo: [],
  },
  answerExtension: {
    update: 'answerExtension',
    refusal: 'answer an extension',
    allowedIn: ['awaiting_shipment', 'in_transit', 'inspection', 'negotiation'],
    leadsTo: [],
  },
  // docs/spec.md#returns: the return moves on within return_pending until the supplier's receipt.
  recordReturnShipment: {
    update: 'recordReturnShipment',
    refusal: 'record the return shipment',
    allowedIn: ['return_pending'],
    leadsTo: [],
  },
  recordReturnDelivery: {
    update: 'recordReturnDelivery',
    refusal: 'record the return delivery',
    allowedIn: ['return_pending'],
    leadsTo: [],
  },
  recordReturnReceipt: {
    update: 'recordReturnReceipt',
    refusal: 'record the return receipt',
    allowedIn: ['return_pending'],
    leadsTo: [
      { to: 'settling', when: 'receipt as_sent (refunded, returned)' },
      { to: 'arbitration', when: 'receipt of any other condition (contested return)' },
    ],
  },
  // docs/spec.md#reversals: before shipment the deposit must stay covered; after it, the supplier carries the risk.
  reversePayment: {
    update: 'reversePayment',
    refusal: 'reverse a payment',
    allowedIn: OPEN_STATUSES,
    leadsTo: [
      {
        from: ['awaiting_shipment'],
        to: 'settling',
        when: 'a reversal takes the funded sum below the deposit (cancelled, payment_reversed)',
      },
    ],
  },
} as const satisfies Record<string, CommandRule>;
export type Command = keyof typeof COMMANDS;
/** Every Update of the registry has a rule: one that has none does not compile. */
export type UpdatesWithoutRule = Exclude<UpdateName, (typeof COMMANDS)[Command]['update']>;
const everyUpdateHasARule: UpdatesWithoutRule extends never ? true : never = true;
void everyUpdateHasARule;

export interface DeadlineRule {
  /** The deadline (in the snapshot's `deadlines`) that the timer waits for; none set, no timer. */
  deadline: keyof Deadlines;
  leadsTo: readonly Transition[];
}

/** One timer at a time: the one of the current status, cancelled when the status changes. */
export const DEADLINES = {
  awaiting_funding: {
    deadline: 'fundBy',
    leadsTo: [{ to: 'settling', when: 'fundBy passes (cancelled, unfunded)' }],
  },
  awaiting_shipment: {
    deadline: 'shipBy',
    leadsTo: [{ to: 'settling', when: 'shipBy passes (refunded, late_shipment)' }],
  },
  in_transit: {
    deadline: 'deliverBy',
    leadsTo: [
      { to: 'negotiation', when: 'deliverBy passes (non-delivery dispute)' },
      { to: 'arbitration', when: 'deliverBy passes, negotiationWindow PT0S' },
    ],
  },
  inspection: {
    deadline: 'inspectionEndsAt',
    leadsTo: [{ to: 'settling', when: 'window passes (released, inspection_lapsed)' }],
  },
  negotiation: {
    deadline: 'negotiationEndsAt',
    leadsTo: [{ to: 'arbitration', when: 'negotiation window passes' }],
  },
  // Fires once: an overdue case waits for the arbitrator without a timer.
  arbitration: {
    deadline: 'arbitrationDueAt',
    leadsTo: [{ to: 'arbitration', when: 'SLA passes (ArbitrationOverdue = true, arbitrators notified)' }],
  },
  // One deadline at a time: the return's shipment, then its delivery, then the supplier's receipt.
  return_pending: {
    deadline: 'returnDueAt',
    leadsTo: [
      { to: 'settling', when: 'return window passes unshipped (released, return_not_shipped)' },
      { to: 'arbitration', when: 'return not delivered within the transit window' },
      { to: 'settling', when: 'receipt window passes (refunded, return_receipt_lapsed)' },
    ],
  },
} as const satisfies Record<OpenStatus, DeadlineRule>;

/** Once settling, the workflow pays out and closes on its own. */
export const SETTLEMENT: Transition = {
  from: ['settling'],
  to: 'closed',
  when: 'payouts recorded in the ledger',
};

/** The event every move into a status publishes; `closed` publishes its outcome (`order.released`, …). */
export const STATUS_EVENTS: Partial<Record<OrderStatus, OrderEventType>> = {
  awaiting_shipment: 'order.funded',
  in_transit: 'order.shipped',
  inspection: 'order.delivered',
  negotiation: 'order.dispute_opened',
  arbitration: 'order.arbitration_opened',
  return_pending: 'order.return_requested',
};

export function isOpen(status: OrderStatus): status is OpenStatus {
  return (OPEN_STATUSES as readonly OrderStatus[]).includes(status);
}

export function allows(command: Command, status: OrderStatus): boolean {
  return (COMMANDS[command].allowedIn as readonly OrderStatus[]).includes(status);
}

/** Every transition of the table from one status, in the order of the statuses and then of the table. */
export function transitions(): { from: OrderStatus; t: Transition }[] {
  const out: { from: OrderStatus; t: Transition }[] = [];
  const commands: CommandRule[] = Object.values(COMMANDS);
  for (const status of ORDER_STATUSES) {
    for (const rule of commands) {
      for (const t of rule.leadsTo)
        if ((t.from ?? rule.allowedIn).includes(status)) out.push({ from: status, t });
    }
    if (isOpen(status)) for (const t of DEADLINES[status].leadsTo) out.push({ from: status, t });
    if (SETTLEMENT.from?.includes(status)) out.push({ from: status, t: SETTLEMENT });
  }
  return out;
}

const MOVES = new Set(transitions().map(({ from, t }) => `${from}>${t.to}`));

/** Whether some command, deadline or the settlement moves an order from `from` to `to`. */
export function leads(from: OrderStatus, to: OrderStatus): boolean {
  return MOVES.has(`${from}>${to}`);
}

/** The lifecycle as a Mermaid state diagram: one arrow per pair of statuses, its reasons joined. */
export function lifecycleDiagram(): string {
  const arrows = new Map<string, string[]>();
  for (const { from, t } of transitions()) {
    const key = `${from} --> ${t.to}`;
    arrows.set(key, [...(arrows.get(key) ?? []), t.when]);
  }
  return [
    '```mermaid',
    'stateDiagram-v2',
    `  [*] --> ${ORDER_STATUSES[0]}`,
    ...[...arrows].map(([arrow, whens]) => `  ${arrow}: ${whens.join(' / ')}`),
    '  closed --> [*]',
    '```',
  ].join('\n');
}
