import { z } from 'zod';

/**
 * Names a schema: it becomes an OpenAPI component that routes refer to. zod's global registry is
 * the one the OpenAPI generator reads `.describe()` texts from, so names live there as well.
 */
export function component<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  z.globalRegistry.add(schema, {
    ...z.globalRegistry.get(schema),
    id,
    ...(description ? { description } : {}),
  });
  return schema;
}
