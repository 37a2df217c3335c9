import type { SupplierProfile } from '../db/supplier-program.js';
import { formatMoney } from '../workflows/rules/money.js';
import { parseDuration } from '../workflows/schemas/duration.js';

/**
 * The badge storefronts embed (`GET /v1/suppliers/:supplierId/badge.svg`): drawn from the trust
 * profile alone, so that it says nothing the profile does not. Text is escaped and cut, so that a
 * supplier's name can neither break the markup nor the size limit of the route (8 KiB).
 */

const xml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `PT3H12M5S` as "3 h 12 min": the badge rounds to what a buyer cares about. */
export function durationInWords(iso: string): string {
  const ms = parseDuration(iso) ?? 0;
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** Without the cents: a badge shows the scale of the trade. */
function moneyInWords(amount: number, currency: string): string {
  return formatMoney(amount, currency).replace(/\.\d+$/, '');
}

const FONT = "Verdana,'DejaVu Sans',Geneva,sans-serif";
/** Verdana's average advance at 11px, generous: a line is never clipped. */
const CHAR_WIDTH = 6.6;

export function badgeSvg(profile: SupplierProfile, programName: string): string {
  const name = cut(profile.name, 40);
  const program = cut(programName, 40);
  const lines: { text: string; size: number; weight?: 'bold' }[] = [];
  let colour: string;
  let mark: string;
  if (profile.protected) {
    colour = '#1a7f37';
    mark = '✓';
    const { transactions, value } = profile.last12Months;
    const shown = value.slice(0, 2).map((v) => moneyInWords(v.amount, v.currency));
    const more = value.length > 2 ? ` +${value.length - 2} more` : '';
    const median = profile.responsiveness.medianResponseTime;
    lines.push(
      { text: program, size: 13, weight: 'bold' },
      { text: name, size: 11 },
      {
        text: `${transactions} transaction${transactions === 1 ? '' : 's'} in 12 months${shown.length ? `: ${shown.join(' · ')}${more}` : ''}`,
        size: 11,
      },
      {
        text: median ? `Replies in ${durationInWords(median)} (median)` : 'Response time not measured yet',
        size: 11,
      },
    );
  } else {
    colour = '#6e7781';
    mark = '–';
    lines.push(
      { text: 'Not protected', size: 13, weight: 'bold' },
      { text: name, size: 11 },
      { text: `${program} does not cover new orders`, size: 11 },
    );
  }
  const textWidth = Math.max(...lines.map((l) => Math.ceil((l.text.length * CHAR_WIDTH * l.size) / 11)));
  const width = 56 + textWidth + 14;
  const height = 14 + lines.length * 17 + 8;
  const label = profile.protected ? `${program}: ${name}, protected` : `${program}: ${name}, not protected`;
  const text = lines
    .map(
      (l, i) =>
        `<text x="56" y="${28 + i * 17}" font-size="${l.size}"${l.weight ? ` font-weight="${l.weight}"` : ''}>${xml(l.text)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xml(label)}">` +
    `<title>${xml(label)}</title>` +
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="6" fill="#ffffff" stroke="${colour}"/>` +
    // The mark's band, rounded on the left only.
    `<path d="M6.5 0.5H44.5V${height - 0.5}H6.5A6 6 0 0 1 0.5 ${height - 6.5}V6.5A6 6 0 0 1 6.5 0.5Z" fill="${colour}"/>` +
    `<text x="22.5" y="${height / 2 + 8}" font-family="${FONT}" font-size="24" fill="#ffffff" text-anchor="middle">${mark}</text>` +
    `<g font-family="${FONT}" fill="#1f2328">${text}</g>` +
    '</svg>'
  );
}
