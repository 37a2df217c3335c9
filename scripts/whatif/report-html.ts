import { formatMoney } from '../../workflows/rules/money.js';
import type { PartyMoney, WhatIfSummary } from './redecide.js';
import type { Rules } from './rules.js';

/** `whatif.html`: the summary, a chart of money per party and outcome, the changed orders. */

const esc = (text: unknown) =>
  String(text ?? '').replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );

const PARTIES: { key: keyof PartyMoney; label: string; colour: string }[] = [
  { key: 'buyer', label: 'buyer', colour: '#1f77b4' },
  { key: 'supplier', label: 'supplier', colour: '#2ca02c' },
  { key: 'fees', label: 'fees', colour: '#ff7f0e' },
];
const OUTCOMES = ['released', 'refunded', 'split', 'cancelled'] as const;
/** Rows of changed orders the page lists; whatif.json has them all. */
const LISTED = 500;

/** Per outcome, a bar before and a bar after, each stacked by party. */
function chart(currency: string, rows: WhatIfSummary['byOutcome']): string {
  const width = 900;
  const height = 320;
  const left = 90;
  const bottom = 50;
  const top = 30;
  const groups = OUTCOMES.map((outcome) => rows.find((r) => r.outcome === outcome));
  const total = (m: PartyMoney) => m.buyer + m.supplier + m.fees;
  const max = Math.max(1, ...groups.flatMap((g) => (g ? [total(g.before), total(g.after)] : [])));
  const plot = height - top - bottom;
  const groupWidth = (width - left - 20) / OUTCOMES.length;
  const barWidth = groupWidth / 3.2;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="money per party and outcome in ${esc(currency)}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<text x="${left}" y="18" font-weight="bold">${esc(currency)}: money paid per outcome and party, before and after</text>`,
    `<line x1="${left}" x2="${width - 20}" y1="${top + plot}" y2="${top + plot}" stroke="#888"/>`,
  ];
  for (const tick of [0, 0.5, 1]) {
    const y = top + plot - tick * plot;
    parts.push(
      `<line x1="${left - 4}" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end" fill="#555">${esc(formatMoney(Math.round(max * tick), currency).replace(`${currency} `, ''))}</text>`,
    );
  }
  OUTCOMES.forEach((outcome, i) => {
    const g = groups[i];
    const gx = left + i * groupWidth + groupWidth * 0.15;
    (['before', 'after'] as const).forEach((when, j) => {
      const x = gx + j * (barWidth + 8);
      let y = top + plot;
      for (const party of PARTIES) {
        const amount = g?.[when][party.key] ?? 0;
        const h = (amount / max) * plot;
        y -= h;
        if (h > 0)
          parts.push(
            `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${party.colour}"${when === 'before' ? ' fill-opacity="0.55"' : ''}><title>${esc(`${outcome} ${when}: ${party.label} ${formatMoney(amount, currency)}`)}</title></rect>`,
          );
      }
      parts.push(
        `<text x="${(x + barWidth / 2).toFixed(1)}" y="${top + plot + 14}" text-anchor="middle" fill="#555">${when}</text>`,
      );
    });
    parts.push(
      `<text x="${(gx + barWidth + 4).toFixed(1)}" y="${top + plot + 32}" text-anchor="middle">${outcome} (${g?.before.orders ?? 0} → ${g?.after.orders ?? 0})</text>`,
    );
  });
  PARTIES.forEach((p, i) => {
    const x = width - 260 + i * 80;
    parts.push(
      `<rect x="${x}" y="8" width="12" height="12" fill="${p.colour}"/>`,
      `<text x="${x + 16}" y="18">${p.label}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function whatIfHtml(
  summary: WhatIfSummary,
  rules: Rules,
  meta: { since?: string; at: string },
): string {
  const currencies = Object.keys(summary.money);
  const money = currencies.map((c) => {
    const m = summary.money[c] as { before: PartyMoney; after: PartyMoney };
    return `<tr><td>${esc(c)}</td>${PARTIES.map(
      (p) =>
        `<td>${esc(formatMoney(m.before[p.key], c))} → ${esc(formatMoney(m.after[p.key], c))} (${m.after[p.key] - m.before[p.key] >= 0 ? '+' : ''}${esc(formatMoney(m.after[p.key] - m.before[p.key], c))})</td>`,
    ).join('')}</tr>`;
  });
  const changed = summary.changed.slice(0, LISTED).map((c) => {
    const side = (d: (typeof c)['before']) =>
      `${esc(d.outcome)} (${esc(d.reason)}): refund ${esc(formatMoney(d.refund, c.currency))}, release ${esc(formatMoney(d.release, c.currency))}, fee ${esc(formatMoney(d.fee, c.currency))}`;
    return `<tr><td>${esc(c.orderId)}</td><td>${side(c.before)}</td><td>${side(c.after)}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>What-if: closed orders under other rules</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 12px; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } pre { background: #f6f8fa; padding: 8px; }
</style></head><body>
<h1>What-if: closed orders under other rules</h1>
<p>${summary.orders} closed orders${meta.since ? ` since ${esc(meta.since)}` : ''}, read ${esc(meta.at)}: ${summary.redecided} decided again, <b>${summary.changed.length} would change</b>; ${summary.human.orders} rested on a person and were not decided again (${Object.entries(
    summary.human.byReason,
  )
    .map(([r, n]) => `${esc(r)} ${n}`)
    .join(', ')}).</p>
<h2>Rules</h2>
<pre>${esc(JSON.stringify(rules, null, 2))}</pre>
<h2>Money per party and outcome</h2>
${currencies
  .map((c) =>
    chart(
      c,
      summary.byOutcome.filter((r) => r.currency === c),
    ),
  )
  .join('\n')}
<table><thead><tr><th>currency</th>${PARTIES.map((p) => `<th>${p.label}: before → after</th>`).join('')}</tr></thead><tbody>${money.join('')}</tbody></table>
<h2>Suppliers whose status would change</h2>
${
  summary.suppliers.length === 0
    ? '<p>None.</p>'
    : `<table><thead><tr><th>supplier</th><th>before</th><th>after</th><th>reasons</th></tr></thead><tbody>${summary.suppliers
        .map(
          (s) =>
            `<tr><td>${esc(s.supplierId)}</td><td>${esc(s.before)}</td><td>${esc(s.after)}</td><td>${esc(s.reasons.join(', '))}</td></tr>`,
        )
        .join('')}</tbody></table>`
}
<h2>Orders that would change${summary.changed.length > LISTED ? ` (the first ${LISTED}; whatif.json has all)` : ''}</h2>
${changed.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>order</th><th>before</th><th>after</th></tr></thead><tbody>${changed.join('')}</tbody></table>`}
</body></html>`;
}
