import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The soak's own network: every process of the cluster in a network namespace of its own, on
 * addresses of a private range that only these namespaces use, joined by veth pairs to three
 * bridges in the root namespace (where the test, its clients, Toxiproxy and the webhook receiver
 * run). Everything carries the PREFIX, so that a start removes what an interrupted run left.
 *
 * Three bridges, so that one link can be taken down without the others: `m` (the test's own
 * traffic: HTTP to the APIs, its checks in PostgreSQL and Temporal, webhooks), `t` (traffic to
 * Temporal) and `p` (traffic to PostgreSQL). A worker cut off from Temporal keeps PostgreSQL.
 */
export const PREFIX = 'tesc';
const NET = { m: '10.231.0', t: '10.231.1', p: '10.231.2' } as const;
export type Lane = keyof typeof NET;
export const SOAK_RANGE = '10.231.0.0/16';
/** The root namespace's address on each bridge: Toxiproxy listens on the `t` and `p` ones. */
export const rootAddress = (lane: Lane) => `${NET[lane]}.1`;
/** A host's end of its veth pair on a lane, inside its namespace. */
const inner = (lane: Lane) => `lane-${lane}`;

export interface Host {
  /** Role in the cluster: `pg`, `temporal`, `worker-1`, `api-2`. */
  name: string;
  namespace: string;
  /** Its address on each lane it is on. */
  address: Partial<Record<Lane, string>>;
}

const HOSTS: { name: string; octet: number; lanes: Lane[] }[] = [
  { name: 'pg', octet: 10, lanes: ['m', 'p'] },
  { name: 'temporal', octet: 11, lanes: ['m', 't'] },
  { name: 'worker-1', octet: 21, lanes: ['m', 't', 'p'] },
  { name: 'worker-2', octet: 22, lanes: ['m', 't', 'p'] },
  { name: 'api-1', octet: 31, lanes: ['m', 't', 'p'] },
  { name: 'api-2', octet: 32, lanes: ['m', 't', 'p'] },
];

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** Why the soak cannot make its namespaces here, or undefined when it can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN); this run is not root';
  try {
    await ip('netns', 'add', `${PREFIX}-probe`);
    await ip('netns', 'del', `${PREFIX}-probe`);
    return undefined;
  } catch (err) {
    return `ip netns add failed: ${(err as Error).message.trim()}`;
  }
}

/** Removes every namespace and link with the soak's prefix: those of this run, or of one interrupted. */
export async function removeSoakNetwork(): Promise<number> {
  let removed = 0;
  const namespaces = (await ip('netns', 'list').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${PREFIX}-`));
  for (const ns of namespaces) {
    // Deleting a namespace deletes its ends of the veth pairs, and with them the peers in the root.
    await ip('netns', 'del', ns).catch(() => {});
    removed++;
  }
  const links = (await ip('-o', 'link', 'show').catch(() => ''))
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
  for (const link of links) {
    await ip('link', 'del', link).catch(() => {});
    removed++;
  }
  return removed;
}

/** A synchronous cleanup for a signal handler, where nothing asynchronous may be waited for. */
export function removeSoakNetworkSync(): void {
  const out = (args: string[]) => {
    try {
      return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  for (const line of out(['netns', 'list']).split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    if (ns.startsWith(`${PREFIX}-`)) out(['netns', 'del', ns]);
  }
  for (const line of out(['-o', 'link', 'show']).split('\n')) {
    const link = line.split(': ')[1]?.split('@')[0] ?? '';
    if (link.startsWith(PREFIX)) out(['link', 'del', link]);
  }
}

export class SoakNetwork {
  readonly hosts = new Map<string, Host>();

  host(name: string): Host {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name} in the soak's network`);
    return host;
  }

  /** The command line that runs `command` inside the host's namespace. */
  exec(name: string, command: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.host(name).namespace, command, ...args]];
  }

  async create(): Promise<void> {
    for (const lane of Object.keys(NET) as Lane[]) {
      const bridge = `${PREFIX}-br-${lane}`;
      await ip('link', 'add', bridge, 'type', 'bridge');
      await ip('addr', 'add', `${rootAddress(lane)}/24`, 'dev', bridge);
      await ip('link', 'set', bridge, 'up');
    }
    for (const h of HOSTS) {
      const namespace = `${PREFIX}-${h.name}`;
      await ip('netns', 'add', namespace);
      await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      const host: Host = { name: h.name, namespace, address: {} };
      for (const lane of h.lanes) {
        // The root end names the host and lane (at most 15 characters); the inner end the lane.
        const outer = `${PREFIX}${h.octet}${lane}`;
        const address = `${NET[lane]}.${h.octet}`;
        await ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner(lane), 'netns', namespace);
        await ip('link', 'set', outer, 'master', `${PREFIX}-br-${lane}`);
        await ip('link', 'set', outer, 'up');
        await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', inner(lane));
        await ip('-n', namespace, 'link', 'set', 'dev', inner(lane), 'up');
        host.address[lane] = address;
      }
      this.hosts.set(h.name, host);
    }
  }

  /**
   * Takes the host's link on a lane down inside its namespace: its route to that lane goes with
   * it, so every connection over it fails and no new one can be made. Up again, the kernel puts
   * the lane's route back.
   */
  async setLink(name: string, lane: Lane, up: boolean): Promise<void> {
    await ip('-n', this.host(name).namespace, 'link', 'set', 'dev', inner(lane), up ? 'up' : 'down');
  }
}
