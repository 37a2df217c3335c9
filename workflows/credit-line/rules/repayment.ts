/**
 * How a repayment is applied (docs/credit.md#repayments): interest due first, then the principal of
 * the oldest draws. Pure: the line runs it in its Update and the docs' examples with it.
 */

export interface OutstandingDraw {
  drawId: string;
  drawnAt: string;
  outstanding: number;
}

export interface Allocation {
  interest: number;
  principal: { drawId: string; amount: number }[];
}

/** Everything owed: the most one repayment may be. */
export function owed(interestDue: number, draws: readonly OutstandingDraw[]): number {
  return draws.reduce((sum, d) => sum + d.outstanding, interestDue);
}

export function allocate(amount: number, interestDue: number, draws: readonly OutstandingDraw[]): Allocation {
  const interest = Math.min(amount, interestDue);
  let rest = amount - interest;
  const principal: Allocation['principal'] = [];
  const oldestFirst = [...draws]
    .filter((d) => d.outstanding > 0)
    .sort((a, b) => (a.drawnAt < b.drawnAt ? -1 : a.drawnAt > b.drawnAt ? 1 : a.drawId < b.drawId ? -1 : 1));
  for (const draw of oldestFirst) {
    if (rest === 0) break;
    const part = Math.min(rest, draw.outstanding);
    principal.push({ drawId: draw.drawId, amount: part });
    rest -= part;
  }
  return { interest, principal };
}
