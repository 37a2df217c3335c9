import { setTimeout as sleep } from 'node:timers/promises';

/** The server's process, as the cluster runs it (cluster.ts's GroupProcess). */
export interface ServerProcess {
  readonly running: boolean;
  readonly output: string;
  start(): void;
  killSync(): void;
  close(): Promise<void>;
}

/** What the server is started with: its API on the loopback at `port`, and only its info lines. */
export const toxiproxyArgs = (port: number) => ['-host', '127.0.0.1', '-port', String(port)];
// Its debug and trace lines (one per connection and toxic) would be most of the soak's logs.
export const TOXIPROXY_ENV = { LOG_LEVEL: 'info' };

export interface Toxic {
  name: string;
  type: 'latency' | 'timeout' | 'reset_peer' | 'slow_close' | 'limit_data' | 'bandwidth';
  stream: 'upstream' | 'downstream';
  /** The share of connections it applies to, 0 to 1. */
  toxicity: number;
  attributes: Record<string, number>;
}

/**
 * The Toxiproxy phase's toxics, on every link. Toxiproxy draws a toxic's toxicity once for each
 * connection: a connection it draws is reset, stalled or closed slowly, and the one that replaces
 * it is drawn again, so that the engine's pools and gRPC channels are cut again and again.
 */
export const TOXICS: Toxic[] = [
  {
    name: 'latency-down',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 100, jitter: 50 },
  },
  {
    name: 'latency-up',
    type: 'latency',
    stream: 'upstream',
    toxicity: 1,
    attributes: { latency: 100, jitter: 50 },
  },
  { name: 'reset', type: 'reset_peer', stream: 'downstream', toxicity: 0.3, attributes: { timeout: 8000 } },
  { name: 'stall', type: 'timeout', stream: 'upstream', toxicity: 0.05, attributes: { timeout: 5000 } },
  {
    name: 'slow-close',
    type: 'slow_close',
    stream: 'downstream',
    toxicity: 0.3,
    attributes: { delay: 2000 },
  },
];
export const TOXICS_SUMMARY =
  '100 ms ± 50 ms of latency each way (200 ms a round trip), 30 % of connections reset after 8 s, 5 % stalled and closed after 5 s, 30 % closed 2 s late';

/**
 * A Toxiproxy server of the soak's own, driven over its HTTP API on the loopback. Each link of the
 * cluster (a worker's or an API's connections to Temporal or PostgreSQL) goes through one proxy,
 * which passes bytes untouched until a phase adds toxics to it.
 */
export class Toxiproxy {
  private readonly api: string;

  constructor(
    port: number,
    private readonly process: ServerProcess,
  ) {
    this.api = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.process.start();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`${this.api}/version`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      if (!this.process.running || Date.now() > deadline)
        throw new Error(`toxiproxy did not start:\n${this.process.output}`);
      await sleep(100);
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const r = await fetch(`${this.api}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`toxiproxy ${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** A proxy listening on `listen` (host:port) to `upstream`, untouched. */
  async proxy(name: string, listen: string, upstream: string): Promise<void> {
    await this.call('POST', '/proxies', { name, listen, upstream, enabled: true });
  }

  async addToxic(proxy: string, toxic: Toxic): Promise<void> {
    await this.call('POST', `/proxies/${proxy}/toxics`, toxic);
  }

  /**
   * Every toxic removed, one at a time. Toxiproxy removes a toxic only once the connections it
   * holds (a stalled one, a latency queue) let go, which can outlast its API's 25 s answer (POST
   * /reset answered 503 in the first soak): a removal that times out is asked again until the
   * proxy lists no toxic.
   */
  async heal(proxies: readonly string[], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const proxy of proxies) {
      for (;;) {
        const toxics = (await this.call('GET', `/proxies/${proxy}/toxics`)) as { name: string }[];
        if (toxics.length === 0) break;
        if (Date.now() > deadline)
          throw new Error(`toxiproxy: ${proxy} still has ${toxics.map((t) => t.name).join(', ')}`);
        for (const toxic of toxics) {
          await this.call('DELETE', `/proxies/${proxy}/toxics/${toxic.name}`).catch(() => {});
        }
      }
    }
  }

  killSync(): void {
    this.process.killSync();
  }

  async close(): Promise<void> {
    await this.process.close();
  }
}
