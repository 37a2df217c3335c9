import { randomUUID } from 'node:crypto';
import { sleep } from './cluster.js';

/** An answer slower than this arrived late: a client would have given up on it, or nearly. */
export const LATE_MS = 5000;

/** What the clients saw, for the figures. */
export class Traffic {
  sent = 0;
  retried = 0;
  refused = 0;
  unavailable = 0;
  connectionErrors = 0;
  late = 0;
  byStatus = new Map<number, number>();
  /** 5xx other than 503, and 503s outside an injected outage: each one a finding. */
  serverErrors: string[] = [];
  /** Open windows of injected outages; a 503 inside one (or within the grace after it) is expected. */
  private outages: { from: number; to: number | undefined }[] = [];

  outageStarted(): { end(): void } {
    const window: { from: number; to: number | undefined } = { from: Date.now(), to: undefined };
    this.outages.push(window);
    return {
      end: () => {
        window.to = Date.now();
      },
    };
  }

  /**
   * Whether a request in flight from `from` to `to` overlapped an outage. A dead worker's sticky
   * workflows wait 10 s, and an Update then waits the API's 10 s: 30 s of grace after recovery.
   */
  inOutage(from: number, to: number, graceMs = 30_000): boolean {
    return this.outages.some((o) => to >= o.from && (o.to === undefined || from <= o.to + graceMs));
  }

  record(status: number, what: string, startedAt: number): void {
    if (Date.now() - startedAt > LATE_MS) this.late++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (status === 503) {
      this.unavailable++;
      if (!this.inOutage(startedAt, Date.now())) {
        this.serverErrors.push(
          `503 outside an injected outage (${new Date(startedAt).toISOString()}): ${what}`,
        );
      }
    } else if (status >= 500) this.serverErrors.push(`${status}: ${what}`);
  }
}

export interface Answer {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: snapshots and problems come back through one call
  body: any;
  attempts: number;
}

export interface Request {
  method: string;
  path: string;
  /** JSON-encoded unless it is a string already (then sent as is). */
  body?: unknown;
  key?: string | null;
  headers?: Record<string, string>;
  /** Sends no Idempotency-Key on a POST (the default is a fresh one, reused by every retry). */
  noIdempotencyKey?: boolean;
  idempotencyKey?: string;
}

/**
 * A marketplace backend behind a load balancer of API replicas: it retries a 503, a 429 and a lost
 * connection (a replica killed mid-request) on the next replica with the same Idempotency-Key, as a
 * real one would, until it gets another answer or its deadline passes.
 */
export class ChaosClient {
  private next = 0;

  constructor(
    private readonly urls: () => string[],
    private readonly defaultKey: string,
    readonly traffic: Traffic,
    private readonly deadlineMs = 180_000,
  ) {}

  async send(request: Request): Promise<Answer> {
    const idempotencyKey =
      request.method === 'POST' && !request.noIdempotencyKey
        ? (request.idempotencyKey ?? randomUUID())
        : undefined;
    const headers: Record<string, string> = { ...request.headers };
    const key = request.key === undefined ? this.defaultKey : request.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      headers['content-type'] ??= 'application/json';
    }
    const deadline = Date.now() + this.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const urls = this.urls();
      const base = urls[this.next++ % urls.length] as string;
      const startedAt = Date.now();
      this.traffic.sent++;
      if (attempt > 1) this.traffic.retried++;
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${base}${request.path}`, {
          method: request.method,
          headers,
          body,
          signal: AbortSignal.timeout(60_000),
        });
        text = await response.text();
      } catch (err) {
        this.traffic.connectionErrors++;
        if (Date.now() > deadline)
          throw new Error(`${request.method} ${request.path}: ${(err as Error).message}`);
        await sleep(200 + Math.random() * 300);
        continue;
      }
      const what = `${request.method} ${request.path.slice(0, 120)} → ${text.slice(0, 300)}`;
      this.traffic.record(response.status, what, startedAt);
      if ((response.status === 503 || response.status === 429) && Date.now() < deadline) {
        await sleep(500 + Math.random() * 500);
        continue;
      }
      if (response.status >= 400) this.traffic.refused++;
      const contentType = response.headers.get('content-type') ?? '';
      let parsed: unknown = text;
      if (contentType.includes('json') && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { status: response.status, contentType, body: parsed, attempts: attempt };
    }
  }
}

/**
 * The load balancer's health check in front of the replicas: `GET /readyz` on each every second,
 * a replica that answers anything but 200 within 5 s out of rotation until it does again (all of
 * them in rotation when none is ready). Without it, an API cut off from Temporal got every other
 * request of every client and held each for its upstream timeout (the soak's first API partition).
 */
export class Readiness {
  private readonly down = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly all: () => string[]) {}

  start(): void {
    const probe = async () => {
      await Promise.all(
        this.all().map(async (url) => {
          const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) this.down.delete(url);
          else this.down.add(url);
        }),
      );
      if (!this.stopped) this.timer = setTimeout(probe, 1000).unref();
    };
    void probe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The replicas in rotation. */
  urls(): string[] {
    const all = this.all();
    const ready = all.filter((url) => !this.down.has(url));
    return ready.length > 0 ? ready : all;
  }
}

/**
 * A 500's finding with what the API logged for it: the answer quotes only its request id, and the
 * logs of a CI run are gone by the time anyone reads the report.
 */
export function withLoggedCause(finding: string, apiLogs: string): string {
  const requestId = /"requestId":"([^"]+)"/.exec(finding)?.[1];
  if (!requestId) return finding;
  const line = apiLogs
    .split('\n')
    .find((l) => l.includes(`"reqId":"${requestId}"`) && l.includes('"unexpected error"'));
  if (!line) return `${finding} (nothing logged for ${requestId})`;
  let err: { type?: string; message?: string; stack?: string } | undefined;
  try {
    err = (JSON.parse(line) as { err?: typeof err }).err;
  } catch {
    return `${finding} — logged: ${line.slice(0, 600)}`;
  }
  const frames = err?.stack
    ?.split('\n')
    .slice(1, 4)
    .map((f) => f.trim())
    .join(' | ');
  return `${finding} — logged: ${err?.type}: ${err?.message} at ${frames}`;
}
