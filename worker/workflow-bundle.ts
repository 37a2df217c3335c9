import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

const WORKFLOWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'workflows');
export const WORKFLOWS_PATH = join(WORKFLOWS_DIR, 'index.ts');
/** The signature check of marketplace events and the tracing of orders started with a trace. */
export const WORKFLOW_INTERCEPTORS_PATH = join(WORKFLOWS_DIR, 'interceptors.ts');

/**
 * Libraries evaluated once per worker instead of once per workflow. With the SDK's reusable V8
 * context every other module of the bundle runs again for each workflow it creates or replays:
 * zod builds its classes and locale, @noble/curves its curve and, on the first signature check,
 * its precomputed tables, for every order. Both are pure: nothing of one order can reach another
 * through them (the SDK freezes what they export), and no workflow command depends on them.
 * `built-once.ts` holds the schemas the order's modules build with zod, so that those are built
 * once per worker too (why they cannot simply be preloaded is said there).
 */
export const WORKFLOW_PRELOAD_MODULES = [
  'zod',
  '@noble/curves/ed25519.js',
  '@noble/curves/utils.js',
  join(WORKFLOWS_DIR, 'schemas', 'built-once.ts'),
];

/** Must match the placeholder literal in workflows/interceptors.ts. */
const KEYS_PLACEHOLDER = /(["'])__ESCROW_EVENT_PUBLIC_KEYS__\1/g;

function bundle(): Promise<string> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
    preloadModules: WORKFLOW_PRELOAD_MODULES,
    logger: quietLogger,
  }).then((b) => b.code);
}

/** Bundles the workflow code once (webpack takes seconds), e.g. for a test run or a Docker image. */
export async function writeWorkflowBundle(outFile: string): Promise<string> {
  await writeFile(outFile, await bundle());
  return outFile;
}

/**
 * The workflow code with the accepted public keys written in: a prebuilt bundle when one is given
 * (production images build it once, without keys), else bundled now (development). The keys are
 * the worker's configuration, not the image's: one image serves every environment.
 */
export async function workflowSource(
  eventPublicKeys: readonly string[],
  bundlePath?: string,
): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (eventPublicKeys.length === 0) throw new Error('a worker needs at least one event public key');
  let code: string;
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new Error(`WORKFLOW_BUNDLE_PATH ${bundlePath} does not exist`);
    code = await readFile(bundlePath, 'utf8');
  } else code = await bundle();
  return { workflowBundle: { code: withEventPublicKeys(code, eventPublicKeys) } };
}

export function withEventPublicKeys(code: string, keys: readonly string[]): string {
  let found = 0;
  const replaced = code.replace(KEYS_PLACEHOLDER, () => {
    found++;
    return JSON.stringify(keys.join(','));
  });
  // A bundle without the placeholder would accept no signature at all: every order would stall.
  if (found !== 1) throw new Error(`the workflow bundle has ${found} event key placeholders instead of 1`);
  return replaced;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
