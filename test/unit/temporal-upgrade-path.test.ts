import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refuseSkippedMinors } from '../../scripts/cluster/cluster.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UPGRADE_PATH } from '../../scripts/cluster/temporal-server.js';

/**
 * Temporal supports upgrades from one minor release to the next only: the path that
 * `npm run cluster:upgrade-check` proves, and that docs/operations.md tells operators to follow,
 * must take no bigger step and end at the release the cluster runs.
 */
const operations = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
const parse = (version: string) => {
  const match = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`${version} is not a release tag`);
  return match.slice(1).map(Number) as [number, number, number];
};

describe('the Temporal server upgrade path', () => {
  it('ends at the release the cluster runs', () => {
    expect(TEMPORAL_UPGRADE_PATH.at(-1)).toBe(TEMPORAL_SERVER_VERSION);
  });

  it('goes one minor release at a time', () => {
    const releases = TEMPORAL_UPGRADE_PATH.map(parse);
    for (let i = 1; i < releases.length; i++) {
      const [major, minor] = releases[i] as [number, number, number];
      const [prevMajor, prevMinor] = releases[i - 1] as [number, number, number];
      expect([major, minor], TEMPORAL_UPGRADE_PATH[i]).toEqual([prevMajor, prevMinor + 1]);
    }
  });

  it('is the one docs/operations.md tells operators to follow', () => {
    const section = operations.slice(operations.indexOf('## Upgrading the Temporal server'));
    expect(section.length).toBeLessThan(operations.length);
    for (const version of TEMPORAL_UPGRADE_PATH) expect(section).toContain(`| ${version.slice(1)} |`);
  });
});

describe('a cluster directory last served by another release', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  /** A cluster.json as startCluster writes it; before releases were recorded, only the path said. */
  const servedBy = (binaries: { version?: string; server: string }) => {
    const dir = mkdtempSync(join(tmpdir(), 'escrow-served-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ binaries }));
    return dir;
  };
  const old = () => servedBy({ server: '/root/.cache/trade-escrow/temporal-server/v1.29.1/server' });

  it('opens with the same release, another patch of its minor, or the next minor', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'escrow-served-'));
    dirs.push(fresh);
    expect(() => refuseSkippedMinors(fresh, TEMPORAL_SERVER_VERSION)).not.toThrow();
    expect(() => refuseSkippedMinors(old(), 'v1.29.1')).not.toThrow();
    expect(() => refuseSkippedMinors(old(), 'v1.30.9')).not.toThrow();
    expect(() => refuseSkippedMinors(servedBy({ version: 'v1.30.4', server: 'x' }), 'v1.30.9')).not.toThrow();
  });

  it('refuses to skip a minor release, naming the ones to take', () => {
    expect(() => refuseSkippedMinors(old(), 'v1.32.2')).toThrow(
      /last served by the Temporal server v1\.29\.1: upgrade it one minor release at a time \(v1\.30\.9, v1\.31\.2, v1\.32\.2\), e\.g\. `npm run cluster -- --server v1\.30\.9` first/,
    );
  });

  it('refuses to go back', () => {
    expect(() => refuseSkippedMinors(servedBy({ version: 'v1.32.2', server: 'x' }), 'v1.31.2')).toThrow(
      /v1\.31\.2 is older, and Temporal does not downgrade/,
    );
  });
});
