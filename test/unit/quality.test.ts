import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EvaluatedContract, evaluateQuality } from '../../workflows/rules/quality.js';
import type { QualityTerm } from '../../workflows/schemas/contract.js';
import { type InspectionReport, InspectionReportSchema } from '../../workflows/schemas/inspection-report.js';

function contract(
  quality: QualityTerm[],
  quantity: Partial<EvaluatedContract['quantity']> = {},
  amount = 1_000_000,
) {
  return { amount, quantity: { ordered: 1000, unit: 'kg', tolerancePct: 0, ...quantity }, quality };
}

function report(measurements: InspectionReport['measurements'], receivedQuantity = 1000): InspectionReport {
  return { measurements, receivedQuantity, evidence: [] };
}

const moisture: QualityTerm = { attribute: 'moisture', min: 10, max: 12, unit: '%' };

describe('evaluateQuality: quality terms', () => {
  it('flags a value below min, and accepts min itself', () => {
    const terms = [{ attribute: 'purity', min: 98.5 }];
    expect(evaluateQuality(contract(terms), report({ purity: 98.5 })).conforms).toBe(true);
    const e = evaluateQuality(contract(terms), report({ purity: 98.4 }));
    expect(e.conforms).toBe(false);
    expect(e.violations).toEqual([{ attribute: 'purity', expected: '≥ 98.5', actual: 98.4 }]);
  });

  it('flags a value above max, and accepts max itself', () => {
    const terms = [{ attribute: 'burr', max: 0.2, unit: 'mm' }];
    expect(evaluateQuality(contract(terms), report({ burr: 0.2 })).conforms).toBe(true);
    expect(evaluateQuality(contract(terms), report({ burr: 0.21 })).violations).toEqual([
      { attribute: 'burr', expected: '≤ 0.2 mm', actual: 0.21, unit: 'mm' },
    ]);
  });

  it('checks both bounds of a range', () => {
    const c = contract([moisture]);
    for (const ok of [10, 11, 12]) expect(evaluateQuality(c, report({ moisture: ok })).conforms).toBe(true);
    for (const bad of [9.99, 12.01, -1]) {
      expect(evaluateQuality(c, report({ moisture: bad })).violations).toEqual([
        { attribute: 'moisture', expected: 'between 10 and 12 %', actual: bad, unit: '%' },
      ]);
    }
  });

  it('describes a range with min = max as an exact value', () => {
    const e = evaluateQuality(contract([{ attribute: 'w', min: 5, max: 5, unit: 'g' }]), report({ w: 6 }));
    expect(e.violations[0]?.expected).toBe('exactly 5 g');
  });

  it('matches oneOf strings trimmed and case-insensitively', () => {
    const c = contract([{ attribute: 'grade', oneOf: ['A', 'B'] }]);
    for (const ok of ['A', 'b', '  a ', 'B\n'])
      expect(evaluateQuality(c, report({ grade: ok })).conforms).toBe(true);
    expect(evaluateQuality(c, report({ grade: 'C' })).violations).toEqual([
      { attribute: 'grade', expected: 'one of: A, B', actual: 'C' },
    ]);
  });

  it('matches oneOf numbers exactly, and numbers against their decimal text', () => {
    const c = contract([{ attribute: 'mesh', oneOf: [40, 60], unit: 'mesh' }]);
    expect(evaluateQuality(c, report({ mesh: 40 })).conforms).toBe(true);
    expect(evaluateQuality(c, report({ mesh: '60' })).conforms).toBe(true);
    expect(evaluateQuality(c, report({ mesh: 40.0001 })).violations).toEqual([
      { attribute: 'mesh', expected: 'one of: 40, 60 mesh', actual: 40.0001, unit: 'mesh' },
    ]);
    const text = contract([{ attribute: 'size', oneOf: ['12.5', 'XL'] }]);
    expect(evaluateQuality(text, report({ size: 12.5 })).conforms).toBe(true);
    expect(evaluateQuality(text, report({ size: 'xl' })).conforms).toBe(true);
    expect(evaluateQuality(text, report({ size: 12 })).conforms).toBe(false);
  });

  it('treats a numeric string as its number for min/max, with or without the unit', () => {
    const c = contract([moisture]);
    for (const ok of ['1.15e1', '10', ' 11.5 ', '12.0', '1.1e1', '11 %', '11.5%']) {
      expect(evaluateQuality(c, report({ moisture: ok })).conforms, ok).toBe(true);
    }
    expect(evaluateQuality(c, report({ moisture: '12.5' })).violations).toEqual([
      { attribute: 'moisture', expected: 'between 10 and 12 %', actual: '12.5', unit: '%' },
    ]);
  });

  it('counts a non-numeric value on a numeric term as a violation', () => {
    const c = contract([moisture, { attribute: 'purity', min: 10, unit: '%' }]);
    const e = evaluateQuality(c, report({ moisture: 'dry', purity: '0x10' }));
    expect(e.violations).toEqual([
      { attribute: 'moisture', expected: 'between 10 and 12 %', actual: 'dry', unit: '%' },
      { attribute: 'purity', expected: '≥ 10 %', actual: '0x10', unit: '%' },
    ]);
    for (const weird of ['', 'Infinity', 'NaN', '1e400', '11 kg']) {
      expect(evaluateQuality(c, report({ moisture: weird })).conforms, weird).toBe(false);
    }
  });

  it('checks every bound of a term that combines a range and a list', () => {
    const c = contract([{ attribute: 'length', min: 10, oneOf: [5, 10, 20], unit: 'm' }]);
    expect(evaluateQuality(c, report({ length: 20 })).conforms).toBe(true);
    expect(evaluateQuality(c, report({ length: 15 })).violations[0]?.expected).toBe(
      '≥ 10 m and one of: 5, 10, 20 m',
    );
    expect(evaluateQuality(c, report({ length: 5 })).conforms).toBe(false);
  });

  it('lists a term without a measurement as unmeasured, neither passing nor failing', () => {
    const c = contract([moisture, { attribute: 'grade', oneOf: ['A'] }]);
    const e = evaluateQuality(c, report({ grade: 'a' }));
    expect(e).toMatchObject({ conforms: true, violations: [], unmeasured: ['moisture'] });
    const bad = evaluateQuality(c, report({ grade: 'B' }));
    expect(bad).toMatchObject({ conforms: false, unmeasured: ['moisture'] });
    expect(bad.violations.map((v) => v.attribute)).toEqual(['grade']);
  });

  it('ignores measurements of attributes the contract does not name', () => {
    const e = evaluateQuality(contract([moisture]), report({ moisture: 11, colour: 'green', weight: -5 }));
    expect(e).toMatchObject({ conforms: true, violations: [], unmeasured: [] });
    const none = evaluateQuality(contract([]), report({ anything: 'goes' }));
    expect(none).toMatchObject({ conforms: true, violations: [], unmeasured: [] });
  });

  it('matches an attribute name trimmed and case-insensitively when there is no exact key', () => {
    const c = contract([moisture]);
    expect(evaluateQuality(c, report({ ' Moisture ': 13 })).violations).toHaveLength(1);
    expect(evaluateQuality(c, report({ moisture: 11, MOISTURE: 13 })).conforms).toBe(true);
  });

  it('does not mistake Object.prototype members for measurements', () => {
    const c = contract([
      { attribute: 'constructor', min: 1 },
      { attribute: 'toString', oneOf: ['x'] },
    ]);
    expect(evaluateQuality(c, report({})).unmeasured).toEqual(['constructor', 'toString']);
  });
});

describe('evaluateQuality: quantity', () => {
  it('accepts a shortfall within tolerance, including exactly the tolerance', () => {
    const e = evaluateQuality(contract([], { tolerancePct: 5 }), report({}, 950));
    expect(e.conforms).toBe(true);
    expect(e.quantity).toEqual({
      ordered: 1000,
      received: 950,
      unit: 'kg',
      tolerancePct: 5,
      shortfall: 50,
      shortfallPct: 5,
      withinTolerance: true,
    });
    expect(e.suggestedRefund).toBe(0);
  });

  it('is exact where floating point is not: 7 short of 100 is exactly a 7 % tolerance', () => {
    // 0.07 * 100 === 7.000000000000001 in floating point.
    const e = evaluateQuality(contract([], { ordered: 100, tolerancePct: 7 }), report({}, 93));
    expect(e.conforms).toBe(true);
    expect(e.quantity.shortfallPct).toBe(7);
  });

  it('flags a shortfall beyond tolerance and suggests a pro-rata refund', () => {
    const e = evaluateQuality(contract([], { tolerancePct: 5 }), report({}, 900));
    expect(e.conforms).toBe(false);
    expect(e.violations).toEqual([
      {
        attribute: 'quantity',
        expected: '≥ 950 kg (1000 kg ordered, 5% tolerance)',
        actual: 900,
        unit: 'kg',
      },
    ]);
    expect(e.quantity).toMatchObject({ shortfall: 100, shortfallPct: 10, withinTolerance: false });
    expect(e.suggestedRefund).toBe(100_000);
  });

  it('with no tolerance, any shortfall is a violation', () => {
    const e = evaluateQuality(contract([]), report({}, 999.5));
    expect(e.violations).toEqual([
      {
        attribute: 'quantity',
        expected: '≥ 1000 kg (1000 kg ordered, 0% tolerance)',
        actual: 999.5,
        unit: 'kg',
      },
    ]);
    expect(e.suggestedRefund).toBe(500);
  });

  it('does not flag an over-delivery', () => {
    const e = evaluateQuality(contract([]), report({}, 1200));
    expect(e).toMatchObject({ conforms: true, violations: [], suggestedRefund: 0 });
    expect(e.quantity).toMatchObject({
      received: 1200,
      shortfall: 0,
      shortfallPct: 0,
      withinTolerance: true,
    });
  });

  it('computes the refund of fractional quantities in integers', () => {
    // 1000.3 - 900.1 is 100.19999999999993 in floating point; the exact shortfall is 100.2.
    const e = evaluateQuality(contract([], { ordered: 1000.3, unit: 't' }, 1_000_003), report({}, 900.1));
    expect(e.quantity.shortfall).toBe(100.2);
    // floor(1_000_003 * 100.2 / 1000.3) = floor(100_170.2…) = 100_170
    expect(e.suggestedRefund).toBe(100_170);
    // In floating point, 300 * (0.3 - 0.1) / 0.3 is 199.99999999999997: a float floor would be one unit short.
    const tenths = evaluateQuality(contract([], { ordered: 0.3, unit: 't' }, 300), report({}, 0.1));
    expect(tenths.suggestedRefund).toBe(200);
    // 1/3 short of 3 on an odd amount: floor(1_000_001 / 3) = 333_333
    const third = evaluateQuality(contract([], { ordered: 3, unit: 'pallets' }, 1_000_001), report({}, 2));
    expect(third.suggestedRefund).toBe(333_333);
  });

  it('rounds the least acceptable quantity up, so that the figure shown conforms', () => {
    const e = evaluateQuality(contract([], { ordered: 3, tolerancePct: 10, unit: 'm' }), report({}, 2.6));
    expect(e.violations[0]?.expected).toBe('≥ 2.7 m (3 m ordered, 10% tolerance)');
    expect(
      evaluateQuality(contract([], { ordered: 3, tolerancePct: 10, unit: 'm' }), report({}, 2.7)).conforms,
    ).toBe(true);
    const third = evaluateQuality(contract([], { ordered: 1, tolerancePct: 100 / 3 }), report({}, 0.5));
    expect(third.violations[0]?.expected).toMatch(/^≥ 0\.666667 kg/);
    expect(
      evaluateQuality(contract([], { ordered: 1, tolerancePct: 100 / 3 }), report({}, 0.666667)).conforms,
    ).toBe(true);
  });

  it('refunds everything when nothing arrived', () => {
    const e = evaluateQuality(contract([], { tolerancePct: 50 }, 1_234_567), report({}, 0));
    expect(e.suggestedRefund).toBe(1_234_567);
    expect(e.quantity.shortfallPct).toBe(100);
  });

  it('reports quality and quantity violations together', () => {
    const e = evaluateQuality(contract([moisture]), report({ moisture: 20 }, 500));
    expect(e.violations.map((v) => v.attribute)).toEqual(['moisture', 'quantity']);
    expect(e.suggestedRefund).toBe(500_000);
  });
});

describe('evaluateQuality: values the schema would have rejected', () => {
  it('treats NaN and Infinity as violations of a bound, without throwing', () => {
    const c = contract([moisture, { attribute: 'grade', oneOf: ['NaN', 'Infinity'] }]);
    for (const weird of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const e = evaluateQuality(c, report({ moisture: weird, grade: weird }));
      expect(e.violations.map((v) => [v.attribute, v.actual])).toEqual([
        ['moisture', null],
        ['grade', null],
      ]);
    }
  });

  it('treats an unreadable received quantity as nothing received, and Infinity as an over-delivery', () => {
    const nan = evaluateQuality(contract([]), report({}, Number.NaN));
    expect(nan.violations).toEqual([expect.objectContaining({ attribute: 'quantity', actual: null })]);
    expect(nan.suggestedRefund).toBe(1_000_000);
    expect(evaluateQuality(contract([]), report({}, -5)).suggestedRefund).toBe(1_000_000);
    expect(evaluateQuality(contract([]), report({}, Number.POSITIVE_INFINITY)).conforms).toBe(true);
  });

  it('survives a malformed contract', () => {
    const broken = {
      amount: Number.NaN,
      quantity: { ordered: 0, unit: 'kg', tolerancePct: Number.NaN },
      quality: [],
    };
    expect(evaluateQuality(broken, report({}, 5))).toMatchObject({ conforms: true, suggestedRefund: 0 });
    const garbage = {
      amount: 12.7,
      quantity: null,
      quality: [null, 5, { attribute: 3 }],
    } as unknown as EvaluatedContract;
    expect(() => evaluateQuality(garbage, null as unknown as InspectionReport)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE),
);
const anyValue = fc.oneof(anyNumber, fc.string({ maxLength: 20 }), fc.anything());
const anyTerm = fc.record(
  {
    attribute: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('a', 'b', '__proto__', 'constructor')),
    min: anyNumber,
    max: anyNumber,
    oneOf: fc.array(anyValue, { maxLength: 5 }),
    unit: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('%', 'mm', 'kg')),
  },
  { requiredKeys: ['attribute'] },
);
const anyContract = fc.record({
  amount: fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), anyNumber),
  quantity: fc.record({ ordered: anyNumber, unit: fc.string({ maxLength: 4 }), tolerancePct: anyNumber }),
  quality: fc.array(anyTerm, { maxLength: 10 }),
});
const anyReport = fc.record({
  measurements: fc.dictionary(
    fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('a', 'A ', 'b', '__proto__', 'constructor')),
    anyValue,
    { maxKeys: 10 },
  ),
  receivedQuantity: anyNumber,
  evidence: fc.constant([]),
});

/** A contract as the schema would let it through: positive safe amount, positive quantity. */
const validAmount = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const validQuantity = fc.record({
  ordered: fc.double({ min: 1e-6, max: 1e12, noNaN: true }),
  unit: fc.constantFrom('kg', 't', 'pcs'),
  tolerancePct: fc.double({ min: 0, max: 100, noNaN: true }),
});
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

// Thousands of generated cases each: a loaded 2-core CI machine needs more than the default 5 s.
describe('evaluateQuality: properties', { timeout: 60_000 }, () => {
  it('never throws, and is internally consistent, for any contract terms and report', () => {
    fc.assert(
      fc.property(anyContract, anyReport, (c, r) => {
        const e = evaluateQuality(c as unknown as EvaluatedContract, r as unknown as InspectionReport);
        expect(e.conforms).toBe(e.violations.length === 0);
        expect(Number.isSafeInteger(e.suggestedRefund)).toBe(true);
        expect(e.suggestedRefund).toBeGreaterThanOrEqual(0);
        // The whole evaluation must survive a round trip through workflow history.
        expect(() => JSON.stringify(e)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('a report measuring exactly the bounds, with the full quantity, conforms', () => {
    // Each term comes with the value the report will measure: a bound itself, or a member of its list.
    type Pair = [QualityTerm, number | string];
    const range = fc.tuple(finite, finite).chain(([x, y]) => {
      const [min, max] = x <= y ? [x, y] : [y, x];
      return fc.constantFrom<Pair>(
        [{ attribute: '', min, max }, min],
        [{ attribute: '', min, max }, max],
        [{ attribute: '', min, max, unit: '%' }, String(max)],
      );
    });
    const minOnly = finite.map((min): Pair => [{ attribute: '', min }, min]);
    const maxOnly = finite.map((max): Pair => [{ attribute: '', max, unit: 'mm' }, `${max} mm`]);
    const listed = fc
      .array(fc.oneof(finite, fc.string({ minLength: 1, maxLength: 10 })), { minLength: 1, maxLength: 5 })
      .chain((oneOf) => fc.constantFrom(...oneOf).map((member): Pair => [{ attribute: '', oneOf }, member]));
    const boundedTerm = fc.oneof(range, minOnly, maxOnly, listed);
    const terms = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), boundedTerm), {
      maxLength: 15,
      selector: ([attribute]) => attribute,
    });
    fc.assert(
      fc.property(
        validAmount,
        validQuantity,
        terms,
        fc.boolean(),
        (amount, quantity, entries, overDeliver) => {
          const quality = entries.map(([attribute, [term]]) => ({ ...term, attribute }));
          const measurements = Object.fromEntries(
            entries.map(([attribute, [, value]]) => [attribute, value]),
          );
          const received = overDeliver ? quantity.ordered * 2 : quantity.ordered;
          const e = evaluateQuality({ amount, quantity, quality }, report(measurements, received));
          expect(e.violations).toEqual([]);
          expect(e).toMatchObject({ conforms: true, unmeasured: [], suggestedRefund: 0 });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the suggested refund is an integer in [0, amount], and 0 within tolerance', () => {
    fc.assert(
      fc.property(
        validAmount,
        validQuantity,
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        (amount, quantity, receivedQuantity) => {
          const e = evaluateQuality({ amount, quantity, quality: [] }, report({}, receivedQuantity));
          expect(Number.isSafeInteger(e.suggestedRefund)).toBe(true);
          expect(e.suggestedRefund).toBeGreaterThanOrEqual(0);
          expect(e.suggestedRefund).toBeLessThanOrEqual(amount);
          if (e.quantity.withinTolerance) expect(e.suggestedRefund).toBe(0);
          if (receivedQuantity >= quantity.ordered) expect(e.conforms).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the suggested refund is the exact floor of amount × shortfall / ordered', () => {
    // Integer quantities keep the expected value exact in BigInt, independently of the implementation.
    fc.assert(
      fc.property(
        validAmount,
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (amount, ordered, rawReceived) => {
          const received = rawReceived % (ordered + 1);
          const e = evaluateQuality(
            { amount, quantity: { ordered, unit: 'pcs', tolerancePct: 0 }, quality: [] },
            report({}, received),
          );
          const expected = (BigInt(amount) * BigInt(ordered - received)) / BigInt(ordered);
          expect(e.suggestedRefund).toBe(Number(expected));
        },
      ),
    );
  });

  it('is deterministic: the same input gives a deep-equal result', () => {
    fc.assert(
      fc.property(anyContract, anyReport, (c, r) => {
        const contractInput = c as unknown as EvaluatedContract;
        const reportInput = r as unknown as InspectionReport;
        const first = evaluateQuality(contractInput, reportInput);
        const again = evaluateQuality(structuredClone(contractInput), structuredClone(reportInput));
        expect(again).toStrictEqual(first);
        expect(evaluateQuality(contractInput, reportInput)).toStrictEqual(first);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------

describe('InspectionReportSchema', () => {
  const valid = {
    measurements: { moisture: 11.2, grade: 'A', 'mesh size': '60' },
    receivedQuantity: 950.5,
    evidence: [
      {
        uri: 'https://files.example.com/inspections/42/photo-1.jpg',
        sha256: 'a'.repeat(64),
        description: 'pallet 3, torn bags',
      },
      { uri: 's3://inspections/42/lab-report.pdf' },
    ],
    inspector: 'SGS Rotterdam',
    notes: 'Sampled 5 of 40 bags.',
  };

  it('accepts a valid report, and defaults evidence to []', () => {
    expect(InspectionReportSchema.parse(valid)).toEqual(valid);
    expect(InspectionReportSchema.parse({ measurements: {}, receivedQuantity: 0 })).toEqual({
      measurements: {},
      receivedQuantity: 0,
      evidence: [],
    });
  });

  const rejects = (body: unknown, path: string, message: RegExp) => {
    const result = InspectionReportSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(message) }),
    );
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  };

  it('rejects a negative or non-finite quantity, or none', () => {
    rejects({ ...valid, receivedQuantity: -1 }, 'receivedQuantity', /negative/);
    rejects({ ...valid, receivedQuantity: Number.POSITIVE_INFINITY }, 'receivedQuantity', /finite/);
    rejects({ ...valid, receivedQuantity: 1e13 }, 'receivedQuantity', /at most/);
    rejects({ measurements: {} }, 'receivedQuantity', /required/);
  });

  it('rejects a bad sha256', () => {
    rejects(
      { ...valid, evidence: [{ uri: 'https://x.example/a', sha256: 'A'.repeat(64) }] },
      'evidence.0.sha256',
      /hex/,
    );
    rejects(
      { ...valid, evidence: [{ uri: 'https://x.example/a', sha256: 'abc' }] },
      'evidence.0.sha256',
      /SHA-256/,
    );
  });

  it('rejects unknown fields, in the report and in its evidence', () => {
    rejects({ ...valid, verdict: 'bad' }, '', /unknown field "verdict"/);
    rejects({ ...valid, evidence: [{ uri: 'https://x.example/a', size: 3 }] }, 'evidence.0', /size/);
  });

  it('rejects bad measurements', () => {
    rejects({ ...valid, measurements: { moisture: true } }, 'measurements.moisture', /number or a string/);
    rejects({ ...valid, measurements: { moisture: 'x'.repeat(257) } }, 'measurements.moisture', /256/);
    rejects({ ...valid, measurements: { '': 1 } }, 'measurements.', /attribute names/);
    rejects({ ...valid, measurements: { ['x'.repeat(129)]: 1 } }, `measurements.${'x'.repeat(129)}`, /1-128/);
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`a${i}`, i]));
    rejects({ ...valid, measurements: many }, 'measurements', /at most 200/);
    rejects({ receivedQuantity: 1 }, 'measurements', /object/);
  });

  it('rejects evidence that is not a safe URL, or too much of it', () => {
    rejects({ ...valid, evidence: [{ uri: 'not a url' }] }, 'evidence.0.uri', /must be a URL/);
    rejects({ ...valid, evidence: [{ uri: 'javascript:alert(1)' }] }, 'evidence.0.uri', /not accepted/);
    rejects(
      { ...valid, evidence: [{ uri: `https://x.example/${'a'.repeat(2048)}` }] },
      'evidence.0.uri',
      /2048/,
    );
    const lots = Array.from({ length: 101 }, (_, i) => ({ uri: `https://x.example/${i}` }));
    rejects({ ...valid, evidence: lots }, 'evidence', /at most 100/);
  });

  it('rejects over-long free text', () => {
    rejects({ ...valid, inspector: 'x'.repeat(257) }, 'inspector', /256/);
    rejects({ ...valid, notes: 'x'.repeat(5001) }, 'notes', /5000/);
  });
});
