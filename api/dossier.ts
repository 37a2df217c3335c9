import type { LedgerEntry } from '../db/postgres-ledger.js';
import { CLOSING_EVENTS } from '../workflows/model/events.js';
import type { OrderSnapshot } from '../workflows/model/state.js';
import { chain, signDossier } from './dossier-chain.js';
import type { Dossier, DossierDecision, DossierEvidence } from './schemas/dossier.js';
import type { OrderEventResponse } from './schemas/event-feed.js';

/**
 * The case dossier of an order (docs/dossier.md): its events chained and signed, with what a
 * reader of the case wants beside them — the evidence and its digests, the deadlines in force at
 * each step, who made each decision, and the ledger. Only the chain is signed: everything else is
 * read from the events it covers (or, for the ledger, from the payments system of record).
 */
export function buildDossier(
  orderId: string,
  events: readonly OrderEventResponse[],
  ledger: readonly LedgerEntry[],
  key: { secretKey: string; publicKey: string },
): Dossier {
  const { entries, head } = chain(events);
  const last = events.at(-1)?.data.order;
  return {
    orderId,
    status: last?.status,
    entries,
    head,
    ledger: [...ledger],
    evidence: evidenceOf(events),
    deadlines: events.map((e) => ({
      sequence: e.sequence,
      type: e.type,
      occurredAt: e.occurredAt,
      deadlines: e.data.order.deadlines,
    })),
    decisions: events.flatMap((e) => decisionOf(e)),
    signature: signDossier(key.secretKey, orderId, head),
    publicKey: key.publicKey,
  };
}

/**
 * Every evidence item, in the event that brought it: the report's, each claim's (once, though every
 * later copy of the order repeats it), each statement's.
 */
function evidenceOf(events: readonly OrderEventResponse[]): DossierEvidence[] {
  const found: DossierEvidence[] = [];
  const seen = new Set<string>();
  const add = (
    source: DossierEvidence['source'],
    e: OrderEventResponse,
    items: readonly { uri: string; sha256?: string; description?: string }[],
    party?: 'buyer' | 'supplier',
  ) => {
    for (const item of items) {
      found.push({
        source,
        sequence: e.sequence,
        ...(party && { party }),
        uri: item.uri,
        sha256: item.sha256 ?? null,
        ...(item.description !== undefined && { description: item.description }),
      });
    }
  };
  const once = (key: string) => !seen.has(key) && Boolean(seen.add(key));
  for (const e of events) {
    const s = e.data.order;
    if (s.inspection && once(`report ${s.inspection.submittedAt}`))
      add('inspection_report', e, s.inspection.report.evidence);
    for (const claim of [
      ...(s.dispute?.earlierClaims ?? []),
      ...(s.dispute?.claim ? [s.dispute.claim] : []),
    ]) {
      if (once(`claim ${claim.filedAt}`))
        add('claim', e, claim.evidence, claim.source === 'buyer' ? 'buyer' : undefined);
    }
    if (e.data.statement) add('statement', e, e.data.statement.evidence, e.data.statement.party);
  }
  return found;
}

const BY_REASON: Partial<Record<NonNullable<OrderSnapshot['reason']>, DossierDecision['by']>> = {
  buyer_accepted: 'buyer',
  claim_withdrawn: 'buyer',
  buyer_cancelled: 'buyer',
  claim_accepted: 'supplier',
  supplier_cancelled: 'supplier',
  balance_unpaid: 'supplier',
  // The supplier's receipt of the returned goods as sent (docs/spec.md#returns).
  returned: 'supplier',
};

/** Who decided what an event announces: the arbitrator (as recorded), a party, or a deadline. */
function decisionOf(e: OrderEventResponse): DossierDecision[] {
  const s = e.data.order;
  if (e.type === 'order.arbitration_decided' && s.decision) {
    return [
      {
        sequence: e.sequence,
        type: e.type,
        by: 'arbitrator',
        arbitrator: s.decision.arbitrator,
        sentBy: s.decision.sentBy ?? null,
        outcome: s.decision.outcome,
        ...(s.decision.refundAmount !== undefined && { refundAmount: s.decision.refundAmount }),
        rationale: s.decision.rationale,
      },
    ];
  }
  if (!(CLOSING_EVENTS as readonly string[]).includes(e.type) || !s.reason) return [];
  const accepted = s.offers.find((o) => o.status === 'accepted');
  const by: DossierDecision['by'] =
    s.reason === 'arbitration'
      ? 'arbitrator'
      : s.reason === 'settlement_agreed'
        ? accepted?.party === 'buyer'
          ? 'supplier'
          : 'buyer'
        : (BY_REASON[s.reason] ?? 'deadline');
  return [{ sequence: e.sequence, type: e.type, by, outcome: s.outcome, reason: s.reason }];
}
