import { join } from 'node:path';
import { cacheDir, findGoTool, goBinary, goInstall } from './go-install.js';

/**
 * Toxiproxy, the TCP proxy the chaos soak puts between the engine's processes to add latency,
 * jitter, cut connections and slow closes (the kernel here has no netem qdisc to do it). Built
 * once from the Go module proxy into the user cache, like the Temporal CLI.
 *
 * Order: TOXIPROXY_SERVER_PATH, the project cache (the pinned version), `toxiproxy-server` on
 * PATH, a `go install` into that cache. Undefined when none is possible (no Go).
 */
export const TOXIPROXY_MODULE = 'github.com/Shopify/toxiproxy/v2/cmd/server';
export const TOXIPROXY_VERSION = 'v2.12.0';

export function toxiproxyCacheDir(): string {
  return cacheDir('toxiproxy', TOXIPROXY_VERSION);
}

export function findToxiproxy(): string | undefined {
  // `go install` names the binary after its package directory: cmd/server.
  return findGoTool({
    envVar: 'TOXIPROXY_SERVER_PATH',
    cached: join(toxiproxyCacheDir(), 'server'),
    onPath: 'toxiproxy-server',
  });
}

export async function provisionToxiproxy(
  log: (line: string) => void = console.log,
): Promise<string | undefined> {
  const found = findToxiproxy();
  if (found) {
    log(`[toxiproxy] using ${found}`);
    return found;
  }
  if (!goBinary()) {
    log('[toxiproxy] no toxiproxy-server and no Go toolchain to build it');
    return undefined;
  }
  await goInstall({
    label: 'toxiproxy',
    packages: [TOXIPROXY_MODULE],
    version: TOXIPROXY_VERSION,
    dir: toxiproxyCacheDir(),
    expected: 'one time only: about a minute on 2 cores',
    log,
  });
  return join(toxiproxyCacheDir(), 'server');
}
