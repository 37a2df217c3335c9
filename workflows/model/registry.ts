import type { UpdateDefinition } from '@temporalio/common';
import { defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';

/**
 * Every Update of a registry: its name, ONE object argument of its schema, and `Answer`. The
 * argument is what a sender passes, the schema's input: a field with a default (a payment's
 * `method`) may be left out; the handler gets the parsed output.
 */
export type UpdatesOf<Schemas extends Record<string, z.ZodType>, Answer> = {
  [N in keyof Schemas & string]: UpdateDefinition<Answer, [z.input<Schemas[N]>], N>;
};

/**
 * A workflow's Update registry from its table of schemas (the Web UI sends a single payload, so
 * each Update takes one object). Its names keep the table's order, which is the order the Web UI
 * lists them in. Curried so that `Answer` is given and the table's types are inferred.
 */
export function updateRegistry<Answer>() {
  return <const Schemas extends Record<string, z.ZodType>>(schemas: Schemas) => {
    const names = Object.keys(schemas) as (keyof Schemas & string)[];
    const updates = Object.fromEntries(
      names.map((name) => [name, defineUpdate(name)]),
    ) as unknown as UpdatesOf<Schemas, Answer>;
    return { names, updates };
  };
}
