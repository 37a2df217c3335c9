import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { ENGINE_SEARCH_ATTRIBUTES } from '../workflows/model/search-attributes.js';

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  return ENGINE_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${titleCase(key.type)}`,
  ]);
}

function titleCase(type: string): string {
  return type === 'DATETIME' ? 'Datetime' : type.charAt(0) + type.slice(1).toLowerCase();
}

/**
 * Registers the engine's search attributes (the orders' and the credit lines') on a cluster that may not have them yet, so that a
 * worker started against a self-hosted cluster needs no manual `operator` step. Registering is
 * idempotent: only missing names are added, and a name registered with another type is an error
 * an operator must resolve (queries would silently break otherwise).
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.systemAttributes, ...existing.customAttributes };
  const missing: Record<string, number> = {};
  for (const key of ENGINE_SEARCH_ATTRIBUTES) {
    const wanted = proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`];
    const have = known[key.name];
    if (have === undefined) missing[key.name] = wanted;
    else if (have !== wanted) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with another type than ${key.type}`,
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return Object.keys(missing);
}
