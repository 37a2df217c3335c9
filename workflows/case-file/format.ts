import type { Evidence } from '../schemas/inspection-report.js';

/**
 * How the case file and the order's summary write times, durations, names, the parties' text and
 * evidence: the same way everywhere they appear.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `2026-12-03T14:05:38.015Z` as `3 Dec 2026, 14:05 UTC`: read at a glance, and never mistaken for
 * local time. To the minute: no window of a contract is counted in seconds by a person.
 */
export function formatTime(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(iso);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  return m && month ? `${Number(m[3])} ${month} ${m[1]}, ${m[4]} UTC` : text(iso);
}

// Days at most: contracts and arbitrators count windows in days ("7 days", not "1 week").
const UNITS: [number, string][] = [
  [24 * 3600 * 1000, 'day'],
  [3600 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
];

/** `P7D` → `7 days`, `PT36H` → `1 day 12 hours`, `PT0S` → `none`. */
export function inWords(ms: number): string {
  if (ms <= 0) return 'none';
  const parts: string[] = [];
  let left = ms;
  for (const [size, name] of UNITS) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    left -= n * size;
  }
  return parts.length > 0 ? parts.join(' ') : `${ms} ms`;
}

export function partyLabel(p: { id: string; name?: string }): string {
  return p.name ? `${text(p.name)} (${text(p.id)})` : text(p.id);
}

/**
 * Text from the parties, rendered as literal text: the UI renders the case file as Markdown with
 * raw HTML, so a supplier's name or a buyer's note must not be able to add links, tables, headings
 * or a fake decision block to what the arbitrator reads.
 */
export function text(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|~]/g, '\\$&');
}

/**
 * One piece of evidence: what the party says it is, then its address as the link's own text and
 * its digest, so that neither hides behind the other.
 */
export function evidenceLine(e: Evidence): string {
  const what = e.description ? `${text(e.description)}: ` : '';
  const digest = e.sha256 ? `, sha256 \`${e.sha256}\`` : '';
  return `${what}[${text(e.uri)}](${linkTarget(e.uri)})${digest}`;
}

/** A URL the schema already accepted, made safe inside `(...)` of a Markdown link. */
function linkTarget(uri: string): string {
  return uri.replace(
    /[\s()<>"'`\\]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
