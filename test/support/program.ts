import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { WebhookSettings } from '../../activities/webhook-delivery.js';
import type { AppDeps } from '../../api/app.js';
import { loadConfig } from '../../config/env.js';
import { programSettings } from '../../config/program.js';
import type { ProgramSettings } from '../../workflows/rules/program.js';
import { type ApiUnderTest, startApi } from './api-client.js';
import { createDatabase } from './databases.js';
import { createHarness, type Harness } from './harness.js';

/** Program settings from variables as an operator sets them, over the defaults. */
export function programSettingsOf(env: Record<string, string> = {}): ProgramSettings {
  return programSettings(loadConfig({ DATABASE_URL: 'postgres://unused', ...env }));
}

export interface ProgramUnderTest {
  h: Harness;
  api: ApiUnderTest;
  settings: ProgramSettings;
  /** A supplier id no other test uses. */
  supplierId(prefix?: string): string;
  /** Enrols a new supplier over HTTP and answers its id. */
  enrol(prefix?: string): Promise<string>;
}

/**
 * A database of its own (assessments act on every enrolled supplier in it), a worker and the API on
 * it, with the same program settings, for the test file.
 */
export function withProgram(
  ready: (under: ProgramUnderTest) => void,
  options: {
    env?: Record<string, string>;
    /** Read when the worker starts: a receiver started in an earlier `beforeAll` knows its port by then. */
    webhooks?: () => WebhookSettings;
    api?: Partial<AppDeps>;
  } = {},
): void {
  let drop: (() => Promise<void>) | undefined;
  let under: ProgramUnderTest | undefined;
  beforeAll(async () => {
    const db = await createDatabase();
    drop = db.drop;
    const settings = programSettingsOf(options.env);
    const h = await createHarness({ databaseUrl: db.url });
    await h.startWorker({ program: settings, webhooks: options.webhooks?.() });
    const api = await startApi(h, { program: settings, ...options.api });
    const supplierId = (prefix = 'sup') => `${prefix}-${randomUUID()}`;
    under = {
      h,
      api,
      settings,
      supplierId,
      async enrol(prefix) {
        const id = supplierId(prefix);
        const put = await api.call('PUT', `/v1/suppliers/${id}`, {
          body: { name: 'Mill of Tests', country: 'DE', enrolled: true },
        });
        if (put.status !== 201) throw new Error(`enrolling ${id}: ${put.status} ${JSON.stringify(put.body)}`);
        return id;
      },
    };
    ready(under);
  });
  afterAll(async () => {
    await under?.api.close();
    await under?.h.close();
    await drop?.();
  });
}
