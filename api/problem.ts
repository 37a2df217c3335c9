/**
 * RFC 9457 problem details. Every error the API answers is one of these kinds; docs/api.md#errors
 * lists them. `type` is a relative URI reference so that it stays valid wherever the API is mounted.
 */
export const PROBLEM_KINDS = {
  'invalid-request': { status: 400, title: 'The request does not match the schema' },
  'malformed-body': { status: 400, title: 'The request body is not valid JSON' },
  'malformed-url': { status: 400, title: 'The request path is not a valid URL' },
  unauthorized: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: "The API key's role may not do this" },
  'order-not-found': { status: 404, title: 'No such order' },
  'supplier-not-found': { status: 404, title: 'No such supplier' },
  'credit-line-not-found': { status: 404, title: 'No such credit line' },
  'not-found': { status: 404, title: 'No such route' },
  'statement-not-found': { status: 404, title: 'The day has no ledger statement' },
  'extension-not-found': { status: 404, title: 'No such extension on this order' },
  'payment-not-found': { status: 404, title: 'No payment with this reference on this order' },
  'wrong-state': { status: 409, title: "The order's status does not allow this" },
  'order-exists': { status: 409, title: 'The order exists with another contract' },
  'supplier-not-enrolled': { status: 409, title: 'The supplier is not enrolled in the program' },
  'credit-line-exists': { status: 409, title: 'The credit line exists with another application' },
  'credit-line-wrong-state': { status: 409, title: "The credit line's status does not allow this" },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'uri-too-long': { status: 414, title: 'A path segment is too long' },
  'unsupported-media-type': { status: 415, title: 'The request body must be application/json' },
  'contract-contradiction': { status: 422, title: 'The contract contradicts itself' },
  'invalid-event': { status: 422, title: 'The event contradicts the order' },
  'not-protected': {
    status: 422,
    title: "The supplier's program coverage does not protect this order",
  },
  'record-contradiction': { status: 422, title: "The request contradicts the supplier's record" },
  'credit-application-contradiction': {
    status: 422,
    title: 'The application is outside what the engine offers',
  },
  'credit-line-contradiction': { status: 422, title: 'The request contradicts the credit line' },
  'credit-unavailable': { status: 422, title: 'The credit line cannot fund this' },
  'payment-method-not-covered': { status: 422, title: 'The program does not cover this payment method' },
  'idempotency-key-reused': {
    status: 422,
    title: 'The Idempotency-Key was used on this route of the order with another body',
  },
  'rate-limited': { status: 429, title: 'Too many requests for this API key' },
  'request-too-large': { status: 431, title: 'The request line and headers are too large' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'A dependency is unavailable; retry later' },
} as const;
export type ProblemKind = keyof typeof PROBLEM_KINDS;

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Members beyond the standard ones: `errors` on 400/422, `currentStatus` on 409, the coverage of
 * the supplier on `not-protected`.
 */
export interface ProblemExtensions {
  errors?: FieldError[];
  currentStatus?: string;
  supplierStatus?: string;
  currency?: string;
  limit?: number;
  exposure?: number;
  available?: number;
  /** The line's status on `credit-unavailable`. */
  lineStatus?: string;
}

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

export class HttpProblem extends Error {
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = PROBLEM_KINDS[kind].status;
  }
}

export const problemType = (kind: ProblemKind) => `/problems/${kind}`;
