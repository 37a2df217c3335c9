import { evidenceLine, formatTime, inWords, partyLabel, text } from '../../case-file/format.js';
import { formatAmount, formatMoney } from '../../rules/money.js';
import { durationMs } from '../../schemas/duration.js';
import type { CreditLineSnapshot } from '../model/state.js';
import { SCORECARD } from '../rules/scorecard.js';

/**
 * The underwriter's case file in the Temporal Web UI (the line's current details): the
 * application, the scorecard with every factor's points, the documents with their digests, the
 * deadline in words, and — while the line waits for an underwriter — the `verify` payloads to copy.
 * Written anew at every change of the line, so that each line of it is true of the line as it is.
 */
export function lineCaseFile(s: CreditLineSnapshot): string {
  const out: string[] = [];
  const block = (...lines: string[]) => out.push(...lines, '');
  const money = (minor: number) => formatAmount(minor, s.currency);
  const waiting = s.status === 'verification';
  const overdue = waiting && s.verification?.overdue;
  block(`## Credit line ${text(s.lineId)}: ${overdue ? '**OVERDUE**, ' : ''}${text(s.status)}`);
  block(
    `**Buyer** ${partyLabel(s.buyer)}, ${text(s.country)}, registration ${text(s.business.registrationNumber)}`,
  );
  if (waiting && s.verification) {
    const target = Date.parse(s.verification.dueAt) - Date.parse(s.scoredAt ?? s.appliedAt);
    block(
      `**Verify by ${formatTime(s.verification.dueAt)}** (${inWords(target)} after scoring)${overdue ? ': the target has passed' : ''}.`,
    );
  }
  block(
    '| requested | offered | limit | monthly rate | principal | interest due | available |',
    '|---|---|---|---|---|---|---|',
    `| ${money(s.requestedLimit)} | ${s.offeredLimit === null ? '–' : money(s.offeredLimit)} | ${money(s.limit)} | ${s.monthlyRateBps === null ? '–' : bps(s.monthlyRateBps)} | ${money(s.principal)} | ${money(s.interestDue)} | ${money(s.available)} |`,
  );
  block(
    '### Application',
    `- applied ${formatTime(s.appliedAt)}`,
    `- ${s.business.yearsTrading} years trading, annual revenue ${formatMoney(s.business.annualRevenue, s.currency)}`,
    `- terms: each draw due ${inWords(durationMs(s.terms.repaymentTerm))} after it is drawn, statements every ${inWords(durationMs(s.terms.statementPeriod))}`,
  );
  if (s.scorecard) {
    const why = new Map(SCORECARD.map((r) => [r.factor, r.why]));
    const result = s.scorecard.result;
    block(
      `### Scorecard: ${s.scorecard.score} of ${s.scorecard.maxScore} points`,
      '| factor | value | points | why it counts |',
      '|---|---|---|---|',
      ...s.scorecard.factors.map(
        (f) =>
          `| ${f.factor}${f.weak ? ' (weak)' : ''} | ${f.value ?? 'no record'} | ${f.points} / ${f.max} | ${text(why.get(f.factor) ?? '')} |`,
      ),
      '',
      result.decision === 'declined'
        ? `Declined by the scorecard: ${result.reasons.join(', ')}.`
        : `Approved in principle: band ${result.band}, ${money(result.offeredLimit)} at ${bps(result.monthlyRateBps)} a month.`,
    );
  }
  block(
    `### Documents (${s.documents.length})`,
    ...s.documents.map((d) => `- ${evidenceLine({ uri: d.uri, sha256: d.sha256, description: d.kind })}`),
  );
  const v = s.verification;
  if (v?.decidedAt) {
    block(
      `### Verification: ${v.approve ? 'approved' : 'declined'} ${formatTime(v.decidedAt)}`,
      `- by ${text(v.underwriter ?? '')}${v.sentBy ? `, sent by ${text(v.sentBy)}` : ''}`,
      ...(v.approve && v.limit !== undefined ? [`- limit ${money(v.limit)}`] : []),
      `- notes: ${text(v.notes ?? '')}`,
    );
  }
  if (waiting && s.offeredLimit !== null) {
    block(
      '### Decide with the `verify` Update',
      'Copy a payload, then write your name in `underwriter` and what the documents showed in `notes`.',
      'Approve the offered limit (or a lower `limit`):',
      '```json',
      JSON.stringify({ approve: true, limit: s.offeredLimit, underwriter: '', notes: '' }),
      '```',
      'Decline:',
      '```json',
      JSON.stringify({ approve: false, underwriter: '', notes: '' }),
      '```',
    );
  }
  return out.join('\n').trimEnd();
}

/** `115` → `1.15 %`. */
function bps(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')} %`;
}

/** The line's static summary in the Web UI's list and User Metadata tab. */
export function lineSummary(
  s: Pick<CreditLineSnapshot, 'lineId' | 'buyer' | 'currency' | 'requestedLimit'>,
): string {
  return `Credit line ${text(s.lineId)}: ${formatMoney(s.requestedLimit, s.currency)} requested by ${partyLabel(s.buyer)}`;
}
