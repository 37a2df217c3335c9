import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { arbitrateUpdate } from '../../workflows/model/messages.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import { launchChromium } from '../support/chromium.js';
import { createHarness, type Harness, waitForStatus } from '../support/harness.js';
import { disputedOrder } from '../support/scenarios.js';
import { openUiPage, UI_TIMEOUT } from '../support/web-ui.js';

/**
 * The cluster's Web UI as production runs it: arbitrators log in through the OpenID provider
 * (here the local `oidc-provider` of scripts/dev-oidc-provider.ts), decide with the `arbitrate`
 * Update, and are offered no action that could move money around the workflow's rules; the gate
 * in front of the UI server (gate/ui-gate.ts) refuses such actions and signs each Update with
 * who sent it.
 */

const uiUrl = inject('temporalUiUrl');
const arbitrator = inject('oidcArbitrator');
// UI pages render client-side after several API calls: slow on a loaded 2-core machine.

describe('arbitrator logged in to the cluster’s Web UI', () => {
  let h: Harness;
  let api: ApiUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness();
    await h.startWorker();
    api = await startApi(h);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await h?.close();
  });

  async function logIn(page: Page): Promise<void> {
    // Straight to the login page: a deep link first bounces through it more than once while
    // the page's calls come back 401, and a click on its button can land on a page going away.
    await page.goto(`${uiUrl}/login`);
    await page.waitForLoadState('networkidle');
    await page.getByRole('button', { name: 'Continue to SSO' }).click();
    // The provider's own login page (no consent: the UI is a first-party client), then back.
    await page.locator('input[name="login"]').fill(arbitrator.login);
    await page.locator('input[name="password"]').fill('any password: the dev provider checks none');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL(`${uiUrl}/namespaces/default/workflows`);
  }

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const page = await openUiPage(browser, uiUrl);
    return { context: page.context(), page };
  }

  it('shows a visitor who is not logged in the login page and no order', { timeout: 180_000 }, async () => {
    const { handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    await waitForStatus(handle, 'arbitration');
    const { context, page } = await newPage();
    try {
      await page.goto(`${uiUrl}/namespaces/default/workflows/${handle.workflowId}`);
      await page.waitForURL((url) => url.pathname === '/login');
      await page.getByRole('button', { name: 'Continue to SSO' }).waitFor();
      expect(await page.getByText(handle.workflowId).count()).toBe(0);
      // The page is only the front: the UI server's API refuses the visitor's calls too.
      const direct = await context.request.get(
        `${uiUrl}/api/v1/namespaces/default/workflows/${handle.workflowId}`,
      );
      expect(direct.status()).toBe(401);
      expect(await direct.text()).not.toContain(handle.workflowId);
    } finally {
      await context.close();
      await handle.terminate('test done');
    }
  });

  it('logs the arbitrator in, offers only the Update, and closes the order with the decision', {
    timeout: 300_000,
  }, async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    await waitForStatus(handle, 'arbitration');
    const { context, page } = await newPage();
    try {
      await logIn(page);
      const workflowPage = `${uiUrl}/namespaces/default/workflows/${handle.workflowId}`;
      await page.goto(workflowPage);
      await page.getByRole('heading', { name: handle.workflowId }).waitFor();

      // Cancellation, Reset, Terminate and starting a copy are not offered; only the Update is.
      expect(await page.getByRole('button', { name: 'Request Cancellation' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'More Actions' }).click();
      await page.getByRole('menuitem').first().waitFor();
      const offered = async (name: string) => {
        const item = page.getByRole('menuitem', { name: new RegExp(`^${name}`) });
        return (await item.count()) > 0 && !(await item.first().isDisabled());
      };
      expect(await offered('Send an Update')).toBe(true);
      expect(await offered('Reset')).toBe(false);
      expect(await offered('Terminate')).toBe(false);
      expect(await offered('Start Workflow like this one')).toBe(false);

      const decision = {
        outcome: 'refund',
        arbitrator: 'arb-9',
        rationale: 'the goods never matched the contract',
        returnGoods: false,
      };
      await page.getByRole('menuitem', { name: 'Send an Update' }).click();
      const dialog = page.getByRole('dialog', { name: 'Send an Update' });
      await dialog.getByRole('button', { name: 'Select an Update' }).click();
      await dialog.getByRole('option', { name: /^arbitrate\b/ }).click();
      const data = dialog.getByRole('textbox').last();
      await data.click();
      await page.keyboard.insertText(JSON.stringify(decision));
      // The editor re-formats the JSON when it loses focus and the dialog grows.
      await data.blur();
      await dialog.getByText('"outcome": "refund"').waitFor();
      await dialog.getByRole('button', { name: 'Submit' }).click();
      await page.getByText('Update successful').waitFor();

      const closed = await handle.result();
      expect(closed).toMatchObject({ status: 'closed', outcome: 'refunded', reason: 'arbitration' });
      // UI 2.42.1 declares no identity with an Update; the gate (gate/ui-gate.ts) stamps the
      // Update with whom the ID token names, and the decision shows it wherever it is shown.
      const sentBy = `web-ui:${arbitrator.email} (oidc sub ${arbitrator.login})`;
      expect(await acceptedIdentity(handle, arbitrateUpdate.name)).toBe(sentBy);
      expect(closed.decision).toMatchObject({ ...decision, sentBy });
      const { body } = await api.call('GET', `/v1/orders/${input.orderId}`, { as: 'reader' });
      expect(body.decision).toMatchObject({ ...decision, sentBy });
      const ledger = await h.ledger.entries(input.orderId);
      expect(ledger.find((e) => e.kind === 'refund')?.memo).toBe(
        `arbitration: arbitrator arb-9 decided refund: ${decision.rationale} (sent by ${sentBy})`,
      );
      await page.reload();
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      const caseFile = page.frameLocator('iframe[title="output"]').last();
      await caseFile.getByRole('heading', { name: 'Decision: refund' }).waitFor();
      await caseFile.getByText(`By arb-9 on`).waitFor();
      await caseFile.getByText(`Sent by ${sentBy}, as Temporal recorded the caller.`).waitFor();
    } finally {
      await context.close();
    }
  });

  it('refuses through the UI what it only hides, and an Update without a valid token', {
    timeout: 180_000,
  }, async () => {
    const { handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    await waitForStatus(handle, 'arbitration');
    const { context, page } = await newPage();
    try {
      // The headers the signed-in UI itself sends with its API calls (bearer, ID token, CSRF).
      let session: Record<string, string> | undefined;
      page.on('request', (request) => {
        if (!request.url().startsWith(`${uiUrl}/api/v1/namespaces/`)) return;
        request.allHeaders().then(
          (headers) => {
            if (headers['authorization-extras']) session = headers;
          },
          // A request still in flight when the page closes has no headers to read any more.
          () => undefined,
        );
      });
      await logIn(page);
      await page.goto(`${uiUrl}/namespaces/default/workflows/${handle.workflowId}`);
      await page.getByRole('heading', { name: handle.workflowId }).waitFor();
      await expect.poll(() => session, { timeout: UI_TIMEOUT }).toBeDefined();
      const headers = session as Record<string, string>;
      const workflowApi = `${uiUrl}/api/v1/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`;
      const post = (path: string, data: unknown, extra: Record<string, string> = {}) =>
        context.request.post(`${workflowApi}${path}`, {
          headers: { ...headers, ...extra, 'content-type': 'application/json' },
          data,
          failOnStatusCode: false,
        });

      for (const [path, data] of [
        ['/terminate', { reason: 'through the UI' }],
        ['/reset', { reason: 'through the UI', workflowTaskFinishEventId: '3' }],
        ['/cancel', {}],
        ['/signal/reviewDeadlines', {}],
      ] as const) {
        const response = await post(path, data);
        expect(response.status(), path).toBe(403);
        expect(response.headers()['content-type']).toBe('application/problem+json');
        expect((await response.json()).detail).toContain('arbitrators decide with the `arbitrate` Update');
      }

      const update = {
        request: {
          meta: { updateId: 'forged', identity: 'someone-else' },
          input: { args: { payloads: [] } },
        },
      };
      const [header, payload] = (headers['authorization-extras'] as string).split('.');
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
      const forged = `${header}.${Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()),
          sub: 'boss',
        }),
      ).toString('base64url')}.${(headers['authorization-extras'] as string).split('.')[2]}`;
      for (const token of [unsigned, forged, 'not-a-jwt']) {
        const response = await post('/update/arbitrate', update, {
          authorization: `Bearer ${token}`,
          'authorization-extras': token,
        });
        expect(response.status()).toBe(401);
        expect((await response.json()).title).toBe('Not signed in');
      }

      // Nothing of it reached the order: it still waits for the arbitrator.
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await waitForStatus(handle, 'arbitration');
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
      expect(await acceptedIdentity(handle, arbitrateUpdate.name)).toBeUndefined();

      // With the session's own token the Update passes, and the identity the caller declared
      // gives way to whom the token names.
      const decision = { outcome: 'release', arbitrator: 'arb-3', rationale: 'the goods matched' };
      const json = (text: string) => Buffer.from(text).toString('base64');
      const decided = await post('/update/arbitrate', {
        request: {
          meta: { updateId: 'decided-through-the-gate', identity: 'someone-else' },
          input: {
            args: {
              payloads: [
                { metadata: { encoding: json('json/plain') }, data: json(JSON.stringify(decision)) },
              ],
            },
          },
        },
      });
      expect(decided.status(), await decided.text()).toBe(200);
      const closed = await handle.result();
      expect(closed.decision).toMatchObject({
        ...decision,
        sentBy: `web-ui:${arbitrator.email} (oidc sub ${arbitrator.login})`,
      });
    } finally {
      await context.close();
      await handle.terminate('test done').catch(() => undefined);
    }
  });

  async function acceptedIdentity(
    handle: Awaited<ReturnType<typeof disputedOrder>>['handle'],
    updateName: string,
  ): Promise<string | undefined> {
    const history = await handle.fetchHistory();
    return (
      (history.events ?? [])
        .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest)
        .find((request) => request?.input?.name === updateName)?.meta?.identity ?? undefined
    );
  }
});
