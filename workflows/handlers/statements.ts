import type { OrderSnapshot, Statement } from '../model/state.js';
import { MAX_EVIDENCE_ITEMS, MAX_STATEMENT_TEXT_BYTES, MAX_STATEMENTS } from '../schemas/caps.js';
import type { StatementEvent } from '../schemas/commands.js';
import type { Order, UpdateHandlers } from './order.js';

/** Evidence of the order's claims and statements: what the cap of 200 counts. */
export function evidenceCount(s: OrderSnapshot): number {
  const d = s.dispute;
  if (!d) return 0;
  const claims = [...(d.earlierClaims ?? []), ...(d.claim ? [d.claim] : [])];
  const receipt = s.return?.receipt ? [s.return.receipt] : [];
  return [...claims, ...(d.statements ?? []), ...receipt].reduce((n, x) => n + x.evidence.length, 0);
}

/** UTF-8 bytes, counted by hand: the workflow sandbox needs nothing beyond the language for it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Both parties' say in a dispute (docs/spec.md#statements): text and evidence, in time order, attributed,
 * during negotiation and arbitration until the case is decided.
 */
export class Statements {
  constructor(private readonly order: Order) {}

  readonly updates = {
    addStatement: {
      description: "A party's statement in the dispute: { party, text, evidence }.",
      validate: (s) => this.validateStatement(s),
      handle: (s) => this.addStatement(s),
    },
  } satisfies Partial<UpdateHandlers>;

  validateStatement(statement: StatementEvent): void {
    const { order } = this;
    order.require('addStatement');
    const statements = order.state.dispute?.statements ?? [];
    if (statements.length >= MAX_STATEMENTS) {
      order.invalid(`the dispute holds the most statements an order may have (${MAX_STATEMENTS})`);
    }
    const textBytes = statements.reduce((n, s) => n + utf8Bytes(s.text), 0) + utf8Bytes(statement.text);
    if (textBytes > MAX_STATEMENT_TEXT_BYTES) {
      order.invalid(
        `statements of an order hold at most ${MAX_STATEMENT_TEXT_BYTES} bytes of text; this one would make ${textBytes}`,
      );
    }
    const evidence = evidenceCount(order.state) + statement.evidence.length;
    if (evidence > MAX_EVIDENCE_ITEMS) {
      order.invalid(
        `an order holds at most ${MAX_EVIDENCE_ITEMS} evidence items; this statement would make ${evidence}`,
      );
    }
  }

  addStatement(event: StatementEvent): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const statement: Statement = { ...event, at: order.now() };
    if (!state.dispute) return state;
    state.dispute.statements ??= [];
    state.dispute.statements.push(statement);
    order.note('statement', `${event.party}, ${event.evidence.length} evidence item(s)`);
    order.publish();
    order.emit('order.statement_added', statement);
    return state;
  }
}
