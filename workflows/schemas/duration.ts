/**
 * ISO 8601 durations restricted to fixed-length units (weeks, days, hours, minutes, seconds).
 * Years and months have no fixed length, and a deadline that depends on the calendar of the
 * machine that computes it would not replay deterministically, so they are refused.
 */
const PATTERN = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,3}))?S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds of a duration, or undefined when it is not one we accept. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [, weeks, days, hours, minutes, seconds, fraction] = m;
  const ms =
    num(weeks) * 7 * DAY +
    num(days) * DAY +
    num(hours) * HOUR +
    num(minutes) * MINUTE +
    num(seconds) * SECOND +
    (fraction ? Number(fraction.padEnd(3, '0')) : 0);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

function num(part: string | undefined): number {
  return part ? Number(part) : 0;
}

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new Error(`not an ISO 8601 duration of weeks, days, hours, minutes and seconds: ${text}`);
  return ms;
}
