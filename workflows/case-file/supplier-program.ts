import type { SupplierProgramSnapshot } from '../model/program.js';
import { formatMoney } from '../rules/money.js';
import type { Markdown } from './dispute.js';

const STATUSES: Record<SupplierProgramSnapshot['status'], string> = {
  not_enrolled: 'not enrolled',
  provisional: 'provisional (new to the program)',
  qualified: 'qualified',
  suspended: 'suspended',
};

/**
 * The supplier's standing in the supplier program when the order was created (docs/program.md):
 * its status and its trade of the 12 months before, for the arbitrator to weigh beside the
 * evidence. Orders created before the program have none, and show nothing.
 */
export function supplierProgramSection(program: SupplierProgramSnapshot | undefined, md: Markdown): void {
  if (!program) return;
  const { transactions, value } = program.last12Months;
  const paid = value.map((v) => formatMoney(v.amount, v.currency)).join(', ');
  md.block(
    `**Supplier program** at order creation (${md.time(program.asOf)}): ${STATUSES[program.status]}; ` +
      `${transactions} transaction${transactions === 1 ? '' : 's'} in the last 12 months` +
      (paid ? ` (${paid} paid to the supplier)` : ''),
  );
}
