import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../worker/search-attributes.js';
import { ENGINE_SEARCH_ATTRIBUTES } from '../workflows/model/search-attributes.js';
import { provisionTemporalCli } from './temporal-cli.js';
import { spawnTied } from './tied-child.js';

export interface DevTemporalOptions {
  /** SQLite file that keeps state across restarts; in-memory when absent. */
  dbFilename?: string;
  port: number;
  /** Web UI port; headless when absent. */
  uiPort?: number;
  /** Trades durability for speed: for throwaway test servers only. */
  fastSqlite?: boolean;
  /**
   * Write-ahead log for the SQLite file: readers no longer wait for writers, and a commit is one
   * append instead of a rewrite of the journal; as durable as the default journal.
   */
  walSqlite?: boolean;
  log?: (line: string) => void;
}

export interface DevTemporal {
  address: string;
  uiUrl?: string;
  /** The server's process, when we started one: for its memory in the benchmark. */
  pid?: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Starts `temporal server start-dev` with the order search attributes registered.
 *
 * Not through `@temporalio/testing`'s `createLocal({ server: { executable: { type: 'existing-path' } } })`,
 * which runs the same binary (checked with SDK 1.24): its server outlives a SIGKILLed parent
 * (no pdeathsig; it was left running, reparented to init), is stopped with SIGKILL rather than
 * SIGTERM (`npm start` keeps orders in the SQLite file), gets 5 s to open its port (too short at
 * this machine's load), hides its pid (the benchmark measures its memory), and takes
 * `--sqlite-pragma` and `--ui-ip` only as `extraArgs`, which the SDK does not promise to keep.
 * It stays the fallback below when no CLI binary is at hand, because it can download one.
 */
export async function startDevTemporal(options: DevTemporalOptions): Promise<DevTemporal> {
  const log = options.log ?? console.log;
  const binary = await provisionTemporalCli(log);
  const address = `${HOST}:${options.port}`;
  const uiUrl = options.uiPort ? `http://localhost:${options.uiPort}` : undefined;
  if (!binary) return startWithSdkDownload(options, address, uiUrl);

  const args = [
    'server',
    'start-dev',
    '--ip',
    HOST,
    '--port',
    String(options.port),
    '--log-level',
    'warn',
    ...devServerSearchAttributeFlags(),
  ];
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', HOST);
  else args.push('--headless');
  if (options.fastSqlite || options.walSqlite) args.push('--sqlite-pragma', 'journal_mode=WAL');
  if (options.fastSqlite) args.push('--sqlite-pragma', 'synchronous=OFF');

  const child = spawnTied(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], deathSignal: 'SIGTERM' });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });

  try {
    await waitUntilServing(address, () => exited !== undefined);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server did not start (${(err as Error).message}):\n${output.join('')}`);
  }
  return { address, uiUrl, pid: child.pid, stop: () => stopChild(child) };
}

async function waitUntilServing(address: string, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('process exited');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error('timed out after 120s');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startWithSdkDownload(
  options: DevTemporalOptions,
  address: string,
  uiUrl?: string,
): Promise<DevTemporal> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: HOST,
      port: options.port,
      ui: Boolean(options.uiPort),
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      searchAttributes: [...ENGINE_SEARCH_ATTRIBUTES],
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}
