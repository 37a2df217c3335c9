import type { Role } from './api-keys.js';

/** The API's limits; `npm run api` overrides the rate limits and the upstream timeout from its environment. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Requests per minute per API key, by role. A marketplace backend sends every event of thousands
 * of orders through one key: 100 requests/s, Stripe's default per account. Arbitrators are people
 * and underwriters are people
 * in a UI and readers poll; their budgets are smaller.
 */
export const DEFAULT_RATE_LIMITS_PER_MINUTE: Readonly<Record<Role, number>> = {
  marketplace: 6000,
  arbitrator: 600,
  underwriter: 600,
  reader: 1200,
};
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;
/**
 * How long the order counts of the API's metrics answer scrapes (eight visibility counts each):
 * below Prometheus' usual 15 s interval, so a scrape sees counts at most one interval old, while
 * several scrapers at once or a fast scrape interval cost one set of counts.
 */
export const DEFAULT_METRICS_CACHE_SECONDS = 10;
/** Longest path parameter the router takes (an order id is at most 64): longer is a 414. */
export const MAX_PARAM_LENGTH = 100;
/** Requests per minute per client address to the public badge (storefronts embed it as an image). */
export const DEFAULT_BADGE_RATE_LIMIT_PER_MINUTE = 120;
