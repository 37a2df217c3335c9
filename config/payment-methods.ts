import { PAYMENT_METHODS, type PaymentMethod } from '../workflows/schemas/commands.js';

/** The seed's program covered T/T first; a credit line's draw is the engine's own. */
export const DEFAULT_COVERED_METHODS = 'tt,credit_line';

/**
 * `PAYMENT_METHODS_COVERED` (docs/operations.md#configuration): the payment methods the program covers,
 * comma-separated. A payment by another method is refused with 422 payment-method-not-covered.
 */
export function coveredMethods(spec: string = DEFAULT_COVERED_METHODS): PaymentMethod[] {
  const names = spec
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error('name at least one method');
  const unknown = names.filter((m) => !(PAYMENT_METHODS as readonly string[]).includes(m));
  if (unknown.length > 0) {
    throw new Error(
      `${unknown.map((m) => `"${m}"`).join(', ')}: the methods are ${PAYMENT_METHODS.join(', ')}`,
    );
  }
  return [...new Set(names)] as PaymentMethod[];
}

export const DEFAULT_PAYMENT_METHODS = coveredMethods();
