import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** How long a step in the Temporal Web UI may take on a loaded machine. */
export const UI_TIMEOUT = 60_000;

/**
 * A page as an arbitrator or underwriter has it: a wide window on UTC, and the clipboard, because
 * they copy a payload out of the case file with Ctrl+C and paste it into an Update with Ctrl+V.
 */
export async function openUiPage(browser: Browser, uiUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: uiUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  return page;
}

/**
 * Workflow page → History tab → More Actions → Send an Update → `update`, with the cursor in
 * Data. Not from the User Metadata tab: while it is open, the UI takes every "r" typed anywhere on
 * the page, the dialog included, as "refresh the current details". The UI lists the Updates as the
 * workflow registered them: the human's decision comes first, and the test holds it there.
 */
export async function openUpdateDialog(page: Page, update: string): Promise<Locator> {
  await page.getByRole('tab', { name: /^History\b/ }).click();
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send an Update' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send an Update' });
  await dialog.getByRole('button', { name: 'Select an Update' }).click();
  await dialog.getByRole('option').first().waitFor();
  const first = new RegExp(`^${update}\\b`);
  expect((await dialog.getByRole('option').first().textContent())?.trim()).toMatch(first);
  await dialog.getByRole('option', { name: first }).click();
  await dialog.getByRole('textbox').last().click();
  return dialog;
}

/**
 * Types into the two empty quotes a copied payload ends with (`…"who":"","why":""}`): `why` into
 * the last, then back over it and `","why":"` into the one before. The copied line may end with a
 * line break: first to the end of the first line.
 */
export async function signPastedPayload(
  page: Page,
  sign: { who: string; why: { key: string; value: string } },
) {
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type(sign.why.value);
  for (let i = 0; i < sign.why.value.length + `","${sign.why.key}":"`.length; i++)
    await page.keyboard.press('ArrowLeft');
  await page.keyboard.type(sign.who);
}

/** The validator's message in the dialog's error box, and nothing of the worker under it. */
export async function refused(dialog: Locator, message: string) {
  await dialog.getByText(message).first().waitFor();
  expect(await dialog.textContent()).not.toMatch(/workflows\/|\.ts:\d+|\bat \S+ \(/);
}
