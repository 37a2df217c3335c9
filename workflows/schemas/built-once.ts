/**
 * The zod schemas of a module, built the first time the module is evaluated in a process and
 * handed out again after that.
 *
 * Why: the worker runs every workflow in one reusable V8 context, and there each workflow evaluates
 * the bundle's modules anew. Building the order's schemas was most of that (docs/bench/README.md#
 * zod-in-the-sandbox). This module is among the worker's preloaded modules
 * (worker/workflow-bundle.ts), so `built` below is one map for every workflow of the worker. The
 * schemas themselves cannot be preloaded: the SDK freezes preloaded modules, and a zod schema
 * memoizes into itself on first use. The SDK's freeze does not reach into a Map, so the schemas in
 * it stay as zod needs them.
 *
 * Sharing them between workflows is safe because a schema holds no order's data: parsing returns a
 * new value and leaves in the schema only what zod derives from the schema itself, the same
 * whichever workflow parses first. Outside the worker (the API, tests) a module is evaluated once
 * anyway, and this changes nothing.
 */
const built = new Map<string, unknown>();

/** `key` names the module; it must be unique across the modules that call this. */
export function builtOnce<T>(key: string, build: () => T): T {
  if (!built.has(key)) built.set(key, build());
  return built.get(key) as T;
}
