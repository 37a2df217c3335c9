export { order } from './order-workflow.js';
