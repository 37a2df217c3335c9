import { upsertSearchAttributes } from '@temporalio/workflow';
import type { Command } from '../model/lifecycle.js';
import { UNKNOWN_EXTENSION } from '../model/messages.js';
import { ShipByKey } from '../model/search-attributes.js';
import type { Deadlines, Extension, ExtensionDeadline, OrderSnapshot } from '../model/state.js';
import { EXTENSION_CAP_DAYS, MAX_EXTENSIONS } from '../schemas/caps.js';
import type { ExtensionAnswer, ExtensionProposal } from '../schemas/commands.js';
import { type Order, refuse, type UpdateHandlers } from './order.js';

/**
 * Extensions by agreement (docs/spec.md#extensions): one party proposes a later deadline for the step running
 * now, the other accepts or rejects. Accepted, the deadline in force (`deadlines.*`) moves and the
 * timer loop waits anew; the contract stays as signed. A proposal still open when the status
 * changes (its deadline passing changes it too) expires.
 */

/** The deadline in force that each proposal moves, and the command that allows it. */
const STEPS = {
  shipBy: { deadline: 'shipBy', command: 'extendShipBy' },
  deliverBy: { deadline: 'deliverBy', command: 'extendDeliverBy' },
  inspection: { deadline: 'inspectionEndsAt', command: 'extendInspection' },
  negotiation: { deadline: 'negotiationEndsAt', command: 'extendNegotiation' },
} as const satisfies Record<ExtensionDeadline, { deadline: keyof Deadlines; command: Command }>;

const CAP_MS = EXTENSION_CAP_DAYS * 24 * 3600 * 1000;

export class Extensions {
  constructor(private readonly order: Order) {
    order.onLeave(() => this.expireOpen());
  }

  readonly updates = {
    proposeExtension: {
      description:
        'Propose a later deadline: { party, deadline: "shipBy"|"deliverBy"|"inspection"|"negotiation", until, reason }.',
      validate: (p) => this.validatePropose(p),
      handle: (p) => this.propose(p),
    },
    answerExtension: {
      description:
        'The other party answers a proposed extension: { extensionId, party, action: "accept"|"reject" }.',
      validate: (a) => this.validateAnswer(a),
      handle: (a) => this.answer(a),
    },
  } satisfies Partial<UpdateHandlers>;

  validatePropose(p: ExtensionProposal): void {
    const { order } = this;
    order.require(STEPS[p.deadline].command);
    const open = this.open(p.deadline);
    if (open) order.conflict(`extension ${open.extensionId} of ${p.deadline} is still open: answer it first`);
    if (order.state.extensions.length >= MAX_EXTENSIONS) {
      order.invalid(`the order holds the most extension proposals an order may have (${MAX_EXTENSIONS})`);
    }
    const inForce = this.inForce(p.deadline) ?? order.invalid(`no ${p.deadline} deadline is running`);
    if (Date.parse(p.until) <= Date.parse(inForce))
      order.invalid(`until ${p.until} is not later than the ${p.deadline} deadline in force, ${inForce}`);
    const first = this.firstSet(p.deadline, inForce);
    const cap = new Date(Date.parse(first) + CAP_MS).toISOString();
    if (Date.parse(p.until) > Date.parse(cap)) {
      order.invalid(
        `until ${p.until} is beyond the cap: at most ${EXTENSION_CAP_DAYS} days after the ${p.deadline} deadline first set (${first}), i.e. ${cap}`,
      );
    }
  }

  propose(p: ExtensionProposal): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    state.extensions.push({
      extensionId: `ext-${state.extensions.length + 1}`,
      party: p.party,
      deadline: p.deadline,
      until: new Date(p.until).toISOString(),
      reason: p.reason,
      status: 'proposed',
      proposedAt: order.now(),
      from: this.inForce(p.deadline) ?? order.now(),
    });
    order.note('extension_proposed', `${p.party} proposes ${p.deadline} until ${p.until}: ${p.reason}`);
    order.publish();
    order.emit('order.extension_proposed');
    return state;
  }

  validateAnswer(a: ExtensionAnswer): void {
    const { order } = this;
    const ext = order.state.extensions.find((e) => e.extensionId === a.extensionId);
    if (!ext) refuse(UNKNOWN_EXTENSION, `no extension ${a.extensionId} on this order`);
    order.require('answerExtension');
    if (ext.status !== 'proposed') order.conflict(`extension ${ext.extensionId} is ${ext.status}`);
    if (ext.party === a.party)
      order.invalid(`the ${a.party} proposed extension ${ext.extensionId}: the other party answers it`);
  }

  answer(a: ExtensionAnswer): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const ext = state.extensions.find((e) => e.extensionId === a.extensionId);
    if (ext?.status !== 'proposed') return state;
    ext.status = a.action === 'accept' ? 'accepted' : 'rejected';
    ext.answeredAt = order.now();
    if (a.action === 'accept') this.move(ext);
    else order.note('extension_rejected', `${a.party} rejects ${ext.extensionId} (${ext.deadline})`);
    order.publish();
    order.emit(a.action === 'accept' ? 'order.extension_accepted' : 'order.extension_rejected');
    return state;
  }

  private move(ext: Extension): void {
    const { order } = this;
    const { deadlines } = order.state;
    const key = STEPS[ext.deadline].deadline;
    const shift = Date.parse(ext.until) - Date.parse(deadlines[key] ?? ext.from);
    deadlines[key] = ext.until;
    let detail = `${ext.deadline} now ${ext.until}`;
    if (ext.deadline === 'shipBy') {
      upsertSearchAttributes([{ key: ShipByKey, value: new Date(ext.until) }]);
      if (deadlines.deliverBy) {
        deadlines.deliverBy = new Date(Date.parse(deadlines.deliverBy) + shift).toISOString();
        detail += `, deliverBy now ${deadlines.deliverBy}`;
      }
    }
    order.note('extension_accepted', `${ext.extensionId}: ${detail}`);
    order.deadlineMoves++;
  }

  /** The status is changing: open proposals expire and the deadline takes its effect. */
  private expireOpen(): void {
    const { order } = this;
    for (const ext of order.state.extensions) {
      if (ext.status !== 'proposed') continue;
      ext.status = 'expired';
      order.note('extension_expired', `${ext.extensionId} (${ext.deadline}) was not answered in time`);
      order.emit('order.extension_expired');
    }
  }

  private open(deadline: ExtensionDeadline): Extension | undefined {
    return this.order.state.extensions.find((e) => e.deadline === deadline && e.status === 'proposed');
  }

  private inForce(deadline: ExtensionDeadline): string | undefined {
    return this.order.state.deadlines[STEPS[deadline].deadline];
  }

  /** Where the step's deadline was before any accepted extension: the cap counts from it. */
  private firstSet(deadline: ExtensionDeadline, inForce: string): string {
    const accepted = this.order.state.extensions.find(
      (e) => e.deadline === deadline && e.status === 'accepted',
    );
    return accepted?.from ?? inForce;
  }
}
