import { z } from 'zod';
import { ORDER_EVENT_TYPES } from '../../workflows/model/events.js';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import { OrderSnapshotSchema } from '../../workflows/schemas/snapshot.js';
import { CLOSE_REASONS, ORDER_OUTCOMES, ORDER_STATUSES } from '../../workflows/schemas/statuses.js';
import { DOSSIER_DOMAIN } from '../dossier-chain.js';
import { OrderEventSchema } from './event-feed.js';
import { LedgerEntrySchema } from './ledger.js';
import { component } from './registry.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const EntrySchema = z.object({
  event: OrderEventSchema.describe(
    "the feed's event object, exactly as `GET /v1/orders/:orderId/events` gives it",
  ),
  prev: z.string().describe('the previous entry’s hash; "" for the first'),
  hash: Hex64.describe('SHA-256 hex of prev + "\\n" + JCS(event) (RFC 8785 canonical JSON)'),
});

const EvidenceSchema = z.object({
  source: z.enum(['inspection_report', 'claim', 'statement']),
  sequence: z.number().int().describe('the event it first appears in'),
  party: z.enum(['buyer', 'supplier']).optional(),
  uri: z.string(),
  sha256: Hex64.nullable().describe('the digest the party gave, if any'),
  description: z.string().optional(),
});
export type DossierEvidence = z.output<typeof EvidenceSchema>;

const DecisionSchema = z.object({
  sequence: z.number().int(),
  type: z.enum(ORDER_EVENT_TYPES),
  by: z
    .enum(['buyer', 'supplier', 'arbitrator', 'deadline'])
    .describe('who decided: a party, the arbitrator, or a deadline of the contract passing'),
  arbitrator: z.string().optional().describe('the arbitrator as they named themselves'),
  sentBy: z
    .string()
    .nullable()
    .optional()
    .describe('the identity Temporal recorded with the accepted decision'),
  outcome: z.union([z.enum(ORDER_OUTCOMES), z.enum(['refund', 'release', 'split'])]).optional(),
  reason: z.enum(CLOSE_REASONS).optional(),
  refundAmount: z.number().int().optional(),
  rationale: z.string().optional(),
});
export type DossierDecision = z.output<typeof DecisionSchema>;

export const DossierSchema = component(
  'Dossier',
  z.object({
    orderId: z.string(),
    status: z.enum(ORDER_STATUSES).optional().describe('as of the last event'),
    entries: z.array(EntrySchema).describe('every event of the order in sequence, chained'),
    head: z.string().describe('the last entry’s hash; "" for an order with no event stored yet'),
    ledger: z.array(LedgerEntrySchema),
    evidence: z.array(EvidenceSchema),
    deadlines: z
      .array(
        z.object({
          sequence: z.number().int(),
          type: z.enum(ORDER_EVENT_TYPES),
          occurredAt: TimestampSchema,
          deadlines: OrderSnapshotSchema.shape.deadlines,
        }),
      )
      .describe('the deadlines in force after each event'),
    decisions: z.array(DecisionSchema),
    signature: z
      .string()
      .describe(
        'Ed25519 (hex) over the UTF-8 bytes of "trade-escrow/dossier/v1\\n" + orderId + "\\n" + head',
      ),
    publicKey: Hex64.describe("the engine's dossier key (hex), also at GET /v1/dossier-key"),
  }),
  'An order’s verifiable case dossier: its events chained by SHA-256 and signed by the engine (docs/dossier.md)',
);
export type Dossier = z.output<typeof DossierSchema>;

export const DossierKeySchema = component(
  'DossierKey',
  z.object({
    algorithm: z.literal('Ed25519'),
    publicKey: Hex64,
    domain: z.literal(DOSSIER_DOMAIN).describe('the first line of every signed message'),
  }),
  'The public half of the key that signs dossiers',
);
