import { z } from 'zod';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import { CreditLineEventSchema } from './credit-lines.js';
import { OrderEventSchema } from './event-feed.js';
import { component } from './registry.js';
import { SupplierEventSchema } from './suppliers.js';

export const WebhookEventSchema = component(
  'WebhookEvent',
  OrderEventSchema.omit({ cursor: true }),
  'The body of an order event webhook: the event as the feed serves it, without the feed cursor. ' +
    'Signed as sent: verify the raw bytes before parsing them.',
);

export const SupplierWebhookEventSchema = component(
  'SupplierWebhookEvent',
  SupplierEventSchema.omit({ cursor: true }),
  'The body of a supplier event webhook: the event as the feed serves it, without the feed cursor. ' +
    'Signed as sent: verify the raw bytes before parsing them.',
);

export const CreditLineWebhookEventSchema = component(
  'CreditLineWebhookEvent',
  CreditLineEventSchema.omit({ cursor: true }),
  'The body of a credit line event webhook: the event as the feed serves it, without the feed cursor. ' +
    'Signed as sent: verify the raw bytes before parsing them.',
);

export const ArbitrationOverdueNoticeSchema = component(
  'ArbitrationOverdueNotice',
  z.object({
    type: z.literal('arbitration_overdue'),
    orderId: z.string(),
    workflowId: z.string().describe('the workflow to open in the Temporal Web UI'),
    dueAt: TimestampSchema.describe('when the arbitration SLA passed'),
  }),
  'What ARBITRATION_WEBHOOK_URL receives when an arbitration is overdue (docs/arbitrators.md)',
);
