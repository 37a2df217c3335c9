import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, eventually, withApi } from '../support/api-client.js';
import { testApplication } from '../support/credit-lines.js';
import type { Harness } from '../support/harness.js';

let api: ApiUnderTest;
let h: Harness;
withApi((ready) => {
  ({ api, h } = ready);
});

const line = (lineId: string) => api.call('GET', `/v1/credit-lines/${lineId}`, { as: 'reader' });
const scored = (lineId: string) =>
  eventually(
    () => line(lineId),
    (r) => r.body.status !== 'scoring',
    60_000,
  );
const approve = { approve: true, underwriter: 'Dana Underwriter', notes: 'statements match' };

describe('credit lines over HTTP', () => {
  it('applies, is scored within 60 s, verified by an underwriter, drawn on, repaid and closed', async () => {
    const application = testApplication();
    const created = await api.call('POST', '/v1/credit-lines', { body: application });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ lineId: application.lineId, status: 'scoring', limit: 0 });
    expect(created.body).not.toHaveProperty('repayments');
    const again = await api.call('POST', '/v1/credit-lines', { body: application });
    expect(again.status).toBe(200);
    const other = await api.call('POST', '/v1/credit-lines', {
      body: { ...application, requestedLimit: 900_000 },
    });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body.type).toBe('/problems/credit-line-exists');

    const decided = await scored(application.lineId);
    expect(Date.parse(decided.body.scoredAt) - Date.parse(decided.body.appliedAt)).toBeLessThan(60_000);
    expect(decided.body).toMatchObject({
      status: 'verification',
      offeredLimit: 10_000_000,
      monthlyRateBps: 115,
    });

    const path = `/v1/credit-lines/${application.lineId}/verification`;
    expect((await api.call('POST', path, { body: approve })).status).toBe(403);
    const tooHigh = await api.call('POST', path, {
      as: 'underwriter',
      body: { ...approve, limit: 10_000_001 },
    });
    expect(tooHigh.status).toBe(422);
    expect(tooHigh.body.detail).toBe(
      'limit must be between 1 and the offered limit 10000000 (minor units), got 10000001',
    );
    const missing = await api.call('POST', path, { as: 'underwriter', body: { approve: true, notes: 'x' } });
    expect(missing.status).toBe(400);
    const verified = await api.call('POST', path, {
      as: 'underwriter',
      body: approve,
      headers: { 'idempotency-key': 'verify-1' },
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'active', limit: 10_000_000, available: 10_000_000 });
    expect(verified.body.verification).toMatchObject({ underwriter: 'Dana Underwriter', approve: true });
    // The same request again is answered, not applied again (the line is no longer in verification).
    const retried = await api.call('POST', path, {
      as: 'underwriter',
      body: approve,
      headers: { 'idempotency-key': 'verify-1' },
    });
    expect(retried.status).toBe(200);
    expect((await api.call('POST', path, { as: 'underwriter', body: approve })).status).toBe(409);

    const repay = (body: unknown) =>
      api.call('POST', `/v1/credit-lines/${application.lineId}/repayments`, { body });
    const over = await repay({ amount: 1, reference: 'r-0' });
    expect(over.status).toBe(422);
    expect(over.body.detail).toBe('the line is owed 0: a repayment of 1 is more');

    const closed = await api.call('POST', `/v1/credit-lines/${application.lineId}/close`, { body: {} });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    const ledger = await h.ledger.lineEntries(application.lineId);
    expect(ledger.map((t) => [t.kind, t.amount])).toEqual([
      ['credit_open', 10_000_000],
      ['credit_close', 10_000_000],
    ]);
  });

  it('refuses an application outside the currency’s range or schema, and an unknown line, as problems', async () => {
    const small = await api.call('POST', '/v1/credit-lines', {
      body: testApplication({ requestedLimit: 100 }),
    });
    expect(small.status).toBe(422);
    expect(small.body).toMatchObject({
      type: '/problems/credit-application-contradiction',
      errors: [{ path: 'requestedLimit', message: 'must be from 500000 to 30000000 minor units of AUD' }],
    });
    const usd = await api.call('POST', '/v1/credit-lines', { body: testApplication({ currency: 'USD' }) });
    expect(usd.status).toBe(422);
    const bad = await api.call('POST', '/v1/credit-lines', { body: { ...testApplication(), documents: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'documents', message: 'must hold at least one document' }]);
    const unknown = await line('no-such-line');
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('/problems/credit-line-not-found');
    const repay = await api.call('POST', '/v1/credit-lines/no-such-line/repayments', {
      body: { amount: 1, reference: 'r' },
    });
    expect(repay.status).toBe(404);
  });

  it('declines an applicant the scorecard turns down, with its reasons', async () => {
    const application = testApplication({
      business: { registrationNumber: 'X', yearsTrading: 0, annualRevenue: 1_000_000 },
    });
    expect((await api.call('POST', '/v1/credit-lines', { body: application })).status).toBe(201);
    const decided = await scored(application.lineId);
    expect(decided.body).toMatchObject({
      status: 'declined',
      declineReasons: ['score_below_threshold', 'years_trading', 'revenue_cover'],
    });
    expect(decided.body.scorecard.factors).toHaveLength(5);
  });
});
