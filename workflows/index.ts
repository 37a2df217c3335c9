export { creditLine } from './credit-line/workflow.js';
export { ledgerStatement } from './ledger-statement.js';
export { order } from './order-workflow.js';
export { supplierAssessment } from './supplier-assessment.js';
export { supplierEvents } from './supplier-events.js';
