import { describe, expect, it } from 'vitest';
import { comparePayouts, type LedgerRow } from '../chaos/ledger-invariants.js';

const row = (
  kind: LedgerRow['kind'],
  idempotencyKey: string,
  amount: number,
  transactionId: string,
  fee = 0,
): LedgerRow => ({
  orderId: 'O-1',
  kind,
  idempotencyKey,
  amount,
  transactionId,
  fee,
});

describe("the chaos soak's checker of payouts against the ledger", () => {
  const ledger = [
    row('funding', 'O-1:payment:wire-1', 1000, '1'),
    row('release', 'O-1:release', 700, '2'),
    row('refund', 'O-1:refund', 300, '3'),
  ];

  it('finds nothing when the snapshot pays what the ledger booked, an excess refund as a refund', () => {
    expect(
      comparePayouts(
        'O-1',
        [
          { kind: 'release', amount: 700, idempotencyKey: 'O-1:release', transactionId: '2' },
          { kind: 'refund', amount: 300, idempotencyKey: 'O-1:refund', transactionId: '3' },
        ],
        ledger,
      ),
    ).toEqual([]);
    expect(
      comparePayouts(
        'O-1',
        [{ kind: 'excess_refund', amount: 50, idempotencyKey: 'O-1:excess-refund', transactionId: '9' }],
        [row('refund', 'O-1:excess-refund', 50, '9')],
      ),
    ).toEqual([]);
  });

  it('names a payout the ledger lacks, one it booked otherwise, and one the snapshot does not list', () => {
    const differences = comparePayouts(
      'O-1',
      [
        { kind: 'release', amount: 701, idempotencyKey: 'O-1:release', transactionId: '2' },
        { kind: 'refund', amount: 10, idempotencyKey: 'O-1:excess-refund', transactionId: '4' },
      ],
      ledger,
    );
    expect(differences).toEqual([
      'O-1: snapshot pays release 701 (fee 0) in transaction 2 (O-1:release), the ledger has release 700 (fee 0) in 2',
      'O-1: snapshot pays refund 10 (O-1:excess-refund), the ledger has nothing',
      'O-1: the ledger has refund 300 (O-1:refund), the snapshot no payout',
    ]);
    expect(comparePayouts('O-1', undefined, ledger)).toEqual([
      'O-1: closed, and its snapshot has no payouts list',
    ]);
  });

  it('holds a release’s commission to the ledger’s fee leg, and leaves a reversal to the model', () => {
    const booked = [
      row('funding', 'O-1:payment:wire-1', 1000, '1'),
      row('reversal', 'O-1:reversal:wire-1:1', 200, '2'),
      row('release', 'O-1:release', 800, '3', 20),
    ];
    const release = {
      kind: 'release' as const,
      amount: 800,
      idempotencyKey: 'O-1:release',
      transactionId: '3',
    };
    expect(comparePayouts('O-1', [{ ...release, fee: 20 }], booked)).toEqual([]);
    expect(comparePayouts('O-1', [release], booked)).toEqual([
      'O-1: snapshot pays release 800 (fee 0) in transaction 3 (O-1:release), the ledger has release 800 (fee 20) in 3',
    ]);
  });
});
