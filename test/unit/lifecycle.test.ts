import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMMANDS,
  type CommandRule,
  isOpen,
  leads,
  lifecycleDiagram,
  transitions,
} from '../../workflows/model/lifecycle.js';
import * as messages from '../../workflows/model/messages.js';
import { ORDER_STATUSES, type OrderStatus } from '../../workflows/model/state.js';
import { SettlementEventSchema } from '../../workflows/schemas/commands.js';

const spec = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'spec.md'), 'utf8');
const commands: [string, CommandRule][] = Object.entries(COMMANDS);

describe('the lifecycle table (workflows/model/lifecycle.ts)', () => {
  it('is the diagram in docs/spec.md (npm run docs:lifecycle writes it)', () => {
    expect(spec).toContain(lifecycleDiagram());
  });

  it('names every Update the workflow defines, and every settle action', () => {
    const updates = (Object.values(messages) as unknown[])
      .filter((m): m is { type: 'update'; name: string } => (m as { type?: string })?.type === 'update')
      .map((u) => u.name)
      .sort();
    expect(updates.length).toBeGreaterThan(0);
    expect([...new Set(commands.map(([, r]) => r.update))].sort()).toEqual(updates);
    const settleActions = SettlementEventSchema.options.map((o) => o.shape.action.value).sort();
    expect(
      commands
        .filter(([, r]) => r.update === 'settle')
        .map(([name]) => name)
        .sort(),
    ).toEqual(settleActions);
  });

  it('takes commands only in open statuses, and each leads from where it is allowed', () => {
    for (const [name, rule] of commands) {
      expect(rule.allowedIn.every(isOpen), name).toBe(true);
      for (const t of rule.leadsTo)
        expect(t.from?.every((s) => rule.allowedIn.includes(s)) ?? true, name).toBe(true);
    }
  });

  it('reaches every status from awaiting_funding, and closed from every status', () => {
    const all = transitions();
    const reach = (start: OrderStatus, next: (s: OrderStatus) => OrderStatus[]) => {
      const seen = new Set([start]);
      const queue = [start];
      for (let s = queue.shift(); s; s = queue.shift()) {
        for (const n of next(s)) {
          if (seen.has(n)) continue;
          seen.add(n);
          queue.push(n);
        }
      }
      return seen;
    };
    const forward = reach('awaiting_funding', (s) => all.filter((a) => a.from === s).map((a) => a.t.to));
    expect([...forward].sort()).toEqual([...ORDER_STATUSES].sort());
    const backward = reach('closed', (s) => all.filter((a) => a.t.to === s).map((a) => a.from));
    expect([...backward].sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('leads only where a command, a deadline or the settlement moves the order', () => {
    expect(leads('awaiting_funding', 'awaiting_shipment')).toBe(true);
    expect(leads('negotiation', 'inspection')).toBe(true);
    expect(leads('settling', 'closed')).toBe(true);
    expect(leads('awaiting_funding', 'in_transit')).toBe(false);
    expect(leads('closed', 'settling')).toBe(false);
    expect(leads('arbitration', 'negotiation')).toBe(false);
    const pairs = new Set(transitions().map(({ from, t }) => `${from}>${t.to}`));
    for (const from of ORDER_STATUSES)
      for (const to of ORDER_STATUSES)
        expect(leads(from, to), `${from} > ${to}`).toBe(pairs.has(`${from}>${to}`));
  });
});
