import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { OrderEventStore } from '../../db/order-event-store.js';
import { freePort } from '../../scripts/free-port.js';
import { spawnTied } from '../../scripts/tied-child.js';
import { type EngineProcess, startWorkerProcess } from '../support/engine-processes.js';
import { createHarness, type Harness } from '../support/harness.js';
import { shippedOrder } from '../support/scenarios.js';

/**
 * The receivers of docs/api.md#webhooks, run as the page prints them, against the deliveries of a
 * real order: each holds one of the worker's two secrets. The Python one needs the PyPI package
 * `standardwebhooks` importable by python3 (`pip install standardwebhooks`), and is skipped
 * where it is not.
 */
const ROOT = join(import.meta.dirname, '../..');
const docs = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
const block = (language: string, firstLine: string) => {
  const match = new RegExp(`\`\`\`${language}\\n(${firstLine}[\\s\\S]*?)\\n\`\`\`\\n`).exec(docs);
  if (!match?.[1]) throw new Error(`docs/api.md has no ${language} block starting with ${firstLine}`);
  return match[1];
};
const typescriptReceiver = block('ts', '// receiver.ts');
const pythonReceiver = block('python', '# receiver.py');
const python = spawnSync('python3', ['-c', 'import standardwebhooks'], { stdio: 'ignore' }).status === 0;

interface Receiver {
  url: string;
  output: string[];
  child: ChildProcess;
}

async function startReceiver(command: string, args: string[], secret: string): Promise<Receiver> {
  const port = await freePort();
  const child = spawnTied(command, args, {
    // From the project: the TypeScript receiver imports the npm package from its node_modules.
    cwd: ROOT,
    env: { ...process.env, ESCROW_WEBHOOK_SECRET: secret, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    deathSignal: 'SIGTERM',
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}/hooks/escrow`;
  const deadline = Date.now() + 30_000;
  // Listening once it refuses an unsigned request.
  while (
    (await fetch(url, { method: 'POST', body: '{}' }).then(
      (r) => r.status,
      () => 0,
    )) !== 401
  ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`receiver did not start:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, output, child };
}

const [FIRST, SECOND] = [generateWebhookSecret(), generateWebhookSecret()];
const taskQueue = `receivers-${randomUUID()}`;
const receivers: Receiver[] = [];
let worker: EngineProcess;
let h: Harness;

beforeAll(async () => {
  receivers.push(
    await startReceiver(
      process.execPath,
      ['--input-type=module-typescript', '-e', typescriptReceiver],
      SECOND,
    ),
  );
  if (python) receivers.push(await startReceiver('python3', ['-c', pythonReceiver], FIRST));
  [worker, h] = await Promise.all([
    startWorkerProcess(taskQueue, {
      WEBHOOK_URLS: receivers.map((r) => r.url).join(','),
      WEBHOOK_SECRETS: `${FIRST},${SECOND}`,
    }),
    createHarness(),
  ]);
}, 120_000);
afterAll(async () => {
  await worker?.kill();
  await h?.close();
  for (const r of receivers) r.child.kill('SIGTERM');
});

/** Drives an order and checks what the receiver printed: every event, in order, and no forged one. */
async function receivesARealOrder(receiver: Receiver) {
  const { input } = await shippedOrder({ ...h, taskQueue });
  const stored = await new OrderEventStore(h.pool).forOrder(input.orderId);
  const printed = () =>
    receiver.output
      .join('')
      .split('\n')
      .filter((line) => line.endsWith(` ${input.orderId}`));
  await expect.poll(printed, { timeout: 30_000 }).toHaveLength(stored.length);
  expect(printed()).toEqual(stored.map((e) => `${e.type} ${input.orderId}`));

  const body = JSON.stringify({ id: 'evt_forged_1', type: 'order.released', orderId: input.orderId });
  const now = new Date();
  const forged = await fetch(receiver.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': 'evt_forged_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(generateWebhookSecret()).sign('evt_forged_1', now, body),
    },
    body,
  });
  expect(forged.status).toBe(401);
  expect(printed()).toHaveLength(stored.length);
}

describe('the receivers of docs/api.md', () => {
  it('TypeScript: verifies every event of a real order with one of the two secrets, refuses a forged one', () =>
    receivesARealOrder(receivers[0] as Receiver));

  it.skipIf(!python)('Python: the same, with the other secret', () =>
    receivesARealOrder(receivers[1] as Receiver),
  );
});
