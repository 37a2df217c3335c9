/** The API's limits; `npm run api` can override the last two (RATE_LIMIT_PER_MINUTE, API_UPSTREAM_TIMEOUT_MS). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;
/** Longest path parameter the router takes (an order id is at most 64): longer is a 414. */
export const MAX_PARAM_LENGTH = 100;
