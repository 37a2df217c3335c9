import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../worker/search-attributes.js';
import { ORDER_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
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
  log?: (line: string) => void;
}

export interface DevTemporal {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts `temporal server start-dev` with the order search attributes registered. */
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
  if (options.fastSqlite)
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');

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
  return { address, uiUrl, stop: () => stopChild(child) };
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
      searchAttributes: [...ORDER_SEARCH_ATTRIBUTES],
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}
