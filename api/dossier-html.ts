import type { OrderSnapshot } from '../workflows/model/state.js';
import { formatMoney } from '../workflows/rules/money.js';
import type { Dossier } from './schemas/dossier.js';

/**
 * The dossier as a printable case report (`Accept: text/html`): a timeline drawn as SVG, the claim,
 * both sides' statements and offers, the decision with its rationale, the money, and the chain's
 * head and signature that the JSON dossier lets anyone check. Everything a party wrote is escaped.
 */

const esc = (text: unknown) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const KIND_COLOURS: [RegExp, string, string][] = [
  [/payment|funded|payout/, '#1f77b4', 'money'],
  [/shipped|delivered/, '#2ca02c', 'goods'],
  [/claim|dispute|offer|statement|extension/, '#ff7f0e', 'dispute'],
  [/arbitration/, '#9467bd', 'arbitration'],
  [/released|refunded|split|cancelled/, '#d62728', 'closed'],
];
const colourOf = (type: string) => KIND_COLOURS.find(([re]) => re.test(type)) ?? [/./, '#7f7f7f', 'order'];

/** Where a label may go, from its mark's lane: above, below, then further out (lanes are 44 apart). */
const LABEL_OFFSETS = [-9, 17, -20];

/** Events worth a label on the timeline; the others are marks on their lane. */
const MILESTONES =
  /created|funded|shipped|delivered|dispute_opened|claim_filed|arbitration_opened|arbitration_decided|released|refunded|split|cancelled/;

function timeline(d: Dossier): string {
  const events = d.entries.map((e) => e.event);
  if (events.length === 0) return '<p>No event stored yet.</p>';
  const width = 960;
  const left = 110;
  const right = 30;
  const lanes = ['money', 'goods', 'dispute', 'arbitration', 'closed', 'order'];
  const laneY = (lane: string) => 40 + lanes.indexOf(lane) * 44;
  const times = events.map((e) => Date.parse(e.occurredAt));
  const from = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - from);
  const x = (t: number) => left + ((t - from) / span) * (width - left - right);
  const height = laneY('order') + 80;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="timeline of order ${esc(d.orderId)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
  ];
  for (const lane of lanes) {
    parts.push(
      `<text x="8" y="${laneY(lane) + 4}" fill="#444">${lane}</text>`,
      `<line x1="${left}" x2="${width - right}" y1="${laneY(lane)}" y2="${laneY(lane)}" stroke="#ddd"/>`,
    );
  }
  // A label goes to the first place beside its mark that no earlier label takes; with none free it
  // stays off, and the mark's tooltip still names it.
  const placed: { x1: number; x2: number; y: number }[] = [];
  const charWidth = 6.2;
  events.forEach((e, i) => {
    const [, colour, lane] = colourOf(e.type);
    const cx = x(times[i] as number);
    const cy = laneY(lane);
    parts.push(
      `<circle cx="${cx.toFixed(1)}" cy="${cy}" r="5" fill="${colour}"><title>#${e.sequence} ${esc(e.type)} ${esc(e.occurredAt)}</title></circle>`,
    );
    if (!MILESTONES.test(e.type)) return;
    const text = e.type.replace('order.', '');
    const half = (text.length * charWidth) / 2 + 3;
    // Kept inside the drawing: a label at either end is pulled in, not cut off.
    const lx = Math.min(Math.max(cx, half + 2), width - half);
    const free = (y: number) =>
      placed.every((p) => Math.abs(p.y - y) >= 12 || lx + half <= p.x1 || lx - half >= p.x2);
    const y = LABEL_OFFSETS.map((dy) => cy + dy).find(free);
    if (y === undefined) return;
    placed.push({ x1: lx - half, x2: lx + half, y });
    parts.push(
      `<text x="${lx.toFixed(1)}" y="${y}" text-anchor="middle" fill="${colour}">${esc(text)}</text>`,
    );
  });
  const axisY = height - 24;
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`,
    `<text x="${left}" y="${axisY + 16}" fill="#444">${esc(new Date(from).toISOString())}</text>`,
    `<text x="${width - right}" y="${axisY + 16}" text-anchor="end" fill="#444">${esc(new Date(from + span).toISOString())}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/**
 * `columns.wrap`: identifiers with no spaces (keys, digests, URIs), which may break anywhere;
 * `columns.whole`: times and amounts, which never break (a time has hyphens, an amount a space).
 * Other columns break between words.
 */
function table(
  head: string[],
  body: unknown[][],
  columns: { wrap?: number[]; whole?: number[] } = {},
): string {
  if (body.length === 0) return '<p class="none">None.</p>';
  const classOf = (i: number) =>
    columns.wrap?.includes(i) ? ' class="wrap"' : columns.whole?.includes(i) ? ' class="whole"' : '';
  const rows = body
    .map((r) => `<tr>${r.map((c, i) => `<td${classOf(i)}>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

export function dossierHtml(d: Dossier, order: OrderSnapshot | undefined): string {
  const c = order?.contract;
  const money = (minor: number | undefined) =>
    c && minor !== undefined ? formatMoney(minor, c.currency) : '';
  const claim = order?.dispute?.claim;
  const statements = d.entries.flatMap((e) => (e.event.data.statement ? [e.event.data.statement] : []));
  const decision = order?.decision;
  const sections = [
    `<h1>Case report: order ${esc(d.orderId)}</h1>`,
    c
      ? `<p>${esc(c.buyer.name ?? c.buyer.id)} (buyer, ${esc(c.buyer.id)}) and ${esc(c.supplier.name ?? c.supplier.id)} (supplier, ${esc(c.supplier.id)}); ${esc(money(c.amount))}; status <b>${esc(order?.status)}</b>${order?.outcome ? `, outcome <b>${esc(order.outcome)}</b> (${esc(order.reason)})` : ''}.</p>`
      : '',
    '<h2>Timeline</h2>',
    timeline(d),
    '<h2>Claim</h2>',
    claim
      ? `<p><b>${esc(claim.reason)}</b>, filed ${esc(claim.filedAt)} (${esc(claim.source)}), requested refund ${esc(money(claim.requestedRefund))}, ${esc(claim.status)}.</p><blockquote>${esc(claim.description)}</blockquote>`
      : '<p class="none">No claim.</p>',
    '<h2>Statements</h2>',
    table(
      ['at', 'party', 'text', 'evidence'],
      statements.map((s) => [s.at, s.party, s.text, s.evidence.length]),
      { whole: [0] },
    ),
    '<h2>Offers</h2>',
    table(
      ['offered at', 'party', 'refund', 'status'],
      (order?.offers ?? []).map((o) => [o.offeredAt, o.party ?? '', money(o.refundAmount), o.status]),
      { whole: [0, 2] },
    ),
    '<h2>Decision</h2>',
    decision
      ? `<p><b>${esc(decision.outcome)}</b>${decision.refundAmount !== undefined ? ` with a refund of ${esc(money(decision.refundAmount))}` : ''}, by ${esc(decision.arbitrator)} at ${esc(decision.decidedAt)}${decision.sentBy ? ` (sent by ${esc(decision.sentBy)})` : ''}.</p><blockquote>${esc(decision.rationale)}</blockquote>`
      : table(
          ['event', 'decided by', 'outcome', 'reason'],
          d.decisions.map((x) => [`#${x.sequence} ${x.type}`, x.by, x.outcome ?? '', x.reason ?? '']),
        ),
    '<h2>Money</h2>',
    table(
      ['at', 'kind', 'amount', 'business key', 'memo'],
      d.ledger.map((l) => [
        l.createdAt,
        l.kind,
        formatMoney(l.amount, l.currency),
        l.idempotencyKey,
        l.memo ?? '',
      ]),
      { whole: [0, 1, 2], wrap: [3] },
    ),
    '<h2>Evidence</h2>',
    table(
      ['source', 'party', 'uri', 'sha256'],
      d.evidence.map((e) => [e.source, e.party ?? '', e.uri, e.sha256 ?? '(none given)']),
      { wrap: [2, 3] },
    ),
    '<h2>Verification</h2>',
    `<p>${d.entries.length} events chained with SHA-256 over RFC 8785 JSON; head <code>${esc(d.head)}</code>; Ed25519 signature <code class="wrap">${esc(d.signature)}</code> by the key <code>${esc(d.publicKey)}</code>. The JSON dossier (<code>Accept: application/json</code>) holds every event to check it.</p>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Case report ${esc(d.orderId)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 8px; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f3f3; }
blockquote { border-left: 3px solid #ccc; margin: 4px 0 12px; padding: 2px 10px; white-space: pre-wrap; }
code { font-size: 12px; } .wrap { word-break: break-all; } .whole { white-space: nowrap; } .none { color: #777; }
@media print { body { margin: 0; } h2 { break-after: avoid; } }
</style></head><body>
${sections.join('\n')}
</body></html>`;
}
