import {
  defaultPayloadConverter,
  type LoadedDataConverter,
  type Payload,
  type SearchAttributePair,
  SearchAttributeType,
  TypedSearchAttributes,
} from '@temporalio/common';
import type { google } from '@temporalio/proto';
import { ORDER_SEARCH_ATTRIBUTES } from '../workflows/model/search-attributes.js';

/*
 * The API reads raw gRPC answers (a visibility page with its token, the first history event) that
 * the client's typed wrappers do not expose. These decoders use the SDK's public exports only, so
 * that an SDK release cannot move them away.
 */

/** The order's search attributes of a visibility row: JSON payloads, a Datetime as an ISO string. */
export function orderSearchAttributes(
  fields: Record<string, Payload> | null | undefined,
): TypedSearchAttributes {
  const pairs = ORDER_SEARCH_ATTRIBUTES.flatMap((key) => {
    const payload = fields?.[key.name];
    if (!payload) return [];
    let value = defaultPayloadConverter.fromPayload<unknown>(payload);
    // Older servers wrap single values in an array.
    if (Array.isArray(value)) value = value[0];
    if (value === null || value === undefined) return [];
    if (key.type === SearchAttributeType.DATETIME) value = new Date(value as string);
    return [{ key, value } as SearchAttributePair];
  });
  return new TypedSearchAttributes(pairs);
}

export function timestampToDate(ts: google.protobuf.ITimestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

/** The first payload of `payloads`, through the client's codecs (last first) and its converter. */
export async function decodeFirstPayload<T>(
  converter: LoadedDataConverter,
  payloads: Payload[] | null | undefined,
): Promise<T | undefined> {
  if (!payloads || payloads.length === 0) return undefined;
  let decoded = payloads;
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded[0] ? converter.payloadConverter.fromPayload<T>(decoded[0]) : undefined;
}
