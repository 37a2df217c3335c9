import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const GUARD = join(ROOT, 'scripts', 'require-node.cjs');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const required = Number(/\d+/.exec(packageJson.engines.node)?.[0]);

/** A Node older than the engines on this machine (Debian's is 20), found as a user's shell would. */
function olderNode(): { path: string; version: string } | undefined {
  let found: string[] = [];
  try {
    found = execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
  for (const path of found) {
    const version = execFileSync(path, ['-v'], { encoding: 'utf8' }).trim();
    if (Number(/^v(\d+)/.exec(version)?.[1]) < required) return { path, version };
  }
  return undefined;
}
const old = olderNode();

const refusal = (version: string) =>
  `trade-escrow needs Node.js ${required} or newer, this is ${version}: install it with \`nvm install\` ` +
  `(reads .nvmrc) or from https://nodejs.org, then run the command again (.ci/run fetches Node.js ${required} itself)\n`;

describe('the Node.js guard of npm start, npm run worker and npm run api', () => {
  it('is the first command of each, before node loads the engine', () => {
    for (const script of ['start', 'worker', 'api']) {
      expect(packageJson.scripts[script]).toMatch(/^node scripts\/require-node\.cjs && exec node /);
    }
  });

  it('asks for the version of .nvmrc, the engines and .ci/run', () => {
    expect(readFileSync(join(ROOT, '.nvmrc'), 'utf8')).toBe(`${required}\n`);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(
      new RegExp(`^NODE_VERSION=${required}\\.`, 'm'),
    );
    expect(readFileSync(join(ROOT, '.npmrc'), 'utf8')).toMatch(/^engine-strict=true$/m);
  });

  it.skipIf(!old)(
    `refuses ${old?.version ?? 'an older Node'} with one line that says what to install`,
    () => {
      const guard = spawnSync(old?.path ?? '', [GUARD], { encoding: 'utf8' });
      expect(guard.status).toBe(1);
      expect(guard.stdout).toBe('');
      expect(guard.stderr).toBe(refusal(old?.version ?? ''));
    },
  );

  // Three npm processes one after the other: on a loaded machine that is more than the default 5 s.
  it.skipIf(!old)(
    'stops npm start, npm run worker and npm run api on that Node with that line alone',
    () => {
      for (const script of ['start', 'worker', 'api']) {
        // The shell of the npm script finds that node first, as on a machine where it is the only one.
        const run = spawnSync('npm', ['run', '--silent', script], {
          cwd: ROOT,
          env: { PATH: `${dirname(old?.path ?? '')}:${process.env.PATH}`, HOME: process.env.HOME },
          encoding: 'utf8',
        });
        expect({ script, status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
          script,
          status: 1,
          stdout: '',
          stderr: refusal(old?.version ?? ''),
        });
      }
    },
    60_000,
  );

  it(`lets Node.js ${process.versions.node} through without a word`, () => {
    const guard = spawnSync(process.execPath, [GUARD], { encoding: 'utf8' });
    expect({ status: guard.status, stdout: guard.stdout, stderr: guard.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
  });
});
