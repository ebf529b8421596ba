import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLUB, DEMO_VENDOR, startLocalMode, type LocalMode } from '../shared/local/local-mode.js';
import { uploadWithClient } from '../shared/local/upload-with-client.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { clubFile, KIDS, type ActivitySpec } from './support/club-file.js';
import { scratchForFile } from './support/for-file.js';
import { ROOT } from './support/run-cli.js';

/**
 * The club's page as a person uses it (issue 16, item 3): local mode in a temp folder, files uploaded over SFTP by
 * the demo vendor, Debian's chromium driven headless by playwright-core (no browser download). Screenshots of
 * the main views go to docs/screenshots/ with LOK_UPDATE_SCREENSHOTS=1; the load time of a period of 2 000 activities
 * is printed.
 */
const CHROMIUM = '/usr/bin/chromium';
const scratch = scratchForFile('lok-club-web-');
/** docs/screenshots/ when asked (LOK_UPDATE_SCREENSHOTS=1), else a temp folder: a test run leaves the checkout as it was. */
const SCREENSHOTS =
  process.env.LOK_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(scratch, 'screenshots');
let local: LocalMode;
let browser: Browser;
let page: Page;

/** Uploads a file over SFTP as the demo vendor and waits for its receipt. */
async function upload(name: string, xml: string): Promise<Receipt> {
  const file = join(scratch, name);
  writeFileSync(file, xml);
  await uploadWithClient({
    port: local.sftpPort,
    privateKeyPath: local.demoKeyPath,
    vendor: DEMO_VENDOR,
    files: [file],
  });
  const receipt = join(local.layout.objectsDir, 'outbox', DEMO_VENDOR, `${name}.receipt.json`);
  const deadline = Date.now() + 120_000;
  while (!existsSync(receipt)) {
    if (Date.now() > deadline) throw new Error(`no receipt for ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return JSON.parse(readFileSync(receipt, 'utf8')) as Receipt;
}

/** Today in Stockholm, as local mode judges: the current period's activities are dated a few days back. */
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

async function shot(name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  local = await startLocalMode({
    dataDir: join(scratch, 'local'),
    fresh: true,
    samplesDir: join(ROOT, 'samples'),
    say: () => undefined,
    log: () => undefined,
    uploadDemo: uploadWithClient,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  page = await browser.newPage({ viewport: { width: 1024, height: 800 }, locale: 'sv-SE' });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await local?.stop();
});

describe("the club's web page in local mode (issue 16)", () => {
  const created = `${daysAgo(0)}T06:00:00+01:00`;

  it('finds a rejected activity uploaded over SFTP, reads its reasons, sends the application; a later activity is PERIOD_CLOSED', async () => {
    const receipt = await upload(
      'web-week.xml',
      clubFile(DEMO_VENDOR, DEMO_CLUB, created, [
        { id: 'WEB-1', date: daysAgo(3), start: '17:00', end: '18:30', group: 'P12 Blå' },
        { id: 'WEB-2', date: daysAgo(2), start: '17:00', end: '18:30', leader: '' },
      ]),
    );
    expect(receipt.activities.map((a) => [a.id, a.verdict])).toEqual([
      ['WEB-1', 'approved'],
      ['WEB-2', 'rejected'],
    ]);

    await page.goto(local.webUrl);
    await page.getByRole('button', { name: `Logga in som official-${DEMO_CLUB}` }).click();
    await page.getByLabel('Status', { exact: true }).selectOption('rejected');
    await page.getByRole('searchbox', { name: 'Sök' }).fill('WEB-2');
    const row = page.locator('.list a', { hasText: 'WEB-2' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('NO_LEADER');
    await page.getByRole('searchbox', { name: 'Sök' }).fill('');
    await shot('activities');
    await page.getByRole('searchbox', { name: 'Sök' }).fill('WEB-2');

    // Keyboard only: the row is a link, Enter opens it.
    await row.focus();
    await page.keyboard.press('Enter');
    const detail = page.locator('#detail');
    await expect.poll(() => detail.innerText()).toContain('Ingen ledare registrerad');
    expect(await detail.innerText()).toContain('Åtgärd: register the leader(s) who led the activity.');
    expect(await detail.innerText()).toMatch(/född \d{8}-\*\*\*\*/);
    await shot('activity');
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => detail.innerText()).toContain('No leader registered');
    await shot('activity-en');
    await page.getByRole('button', { name: 'Svenska' }).click();

    await page.getByRole('button', { name: '← Tillbaka till listan' }).click();
    await page.getByRole('tab', { name: 'Ansökan' }).click();
    const application = page.locator('#application-body');
    await expect.poll(() => application.innerText()).toContain('Godkända aktiviteter');
    await shot('application');
    await page.getByRole('button', { name: 'Skicka in: Huvudansökan' }).click();
    await page.getByRole('button', { name: 'Ja, skicka in' }).click();
    await expect.poll(() => page.locator('#status').innerText()).toBe('Ansökan är inskickad.');
    expect(await application.innerText()).toMatch(new RegExp(`Inskickad\\s+\\S+ \\S+ av official-${DEMO_CLUB}`));
    await shot('application-sent');

    const later = await upload(
      'web-later.xml',
      clubFile(DEMO_VENDOR, DEMO_CLUB, created, [{ id: 'WEB-3', date: daysAgo(1), start: '17:00', end: '18:30' }]),
    );
    expect(later.activities[0]).toMatchObject({ id: 'WEB-3', verdict: 'rejected', reasons: ['PERIOD_CLOSED'] });
    await page.reload();
    await page.getByRole('tab', { name: 'Aktiviteter' }).click();
    await page.getByRole('searchbox', { name: 'Sök' }).fill('WEB-3');
    await page.locator('.list a', { hasText: 'WEB-3' }).click();
    await expect.poll(() => detail.innerText()).toContain('Perioden är stängd för föreningen');
  }, 240_000);

  it('lets RF support open any club by its id; an official is offered only their own', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1024, height: 800 }, locale: 'sv-SE' });
    await fresh.goto(local.webUrl);
    await fresh.getByRole('button', { name: 'Logga in som rf-support' }).click();
    await expect.poll(() => fresh.locator('#who').innerText()).toContain('rf-support');
    const clubId = fresh.getByLabel('Förening', { exact: true });
    await clubId.fill(DEMO_CLUB);
    await clubId.press('Enter');
    await clubId.blur();
    await fresh.waitForSelector('body[data-loaded="true"]');
    expect(await fresh.locator('.list a').count()).toBeGreaterThan(0);
    await fresh.getByRole('button', { name: 'Logga ut' }).click();
    await fresh.getByRole('button', { name: `Logga in som official-${DEMO_CLUB}` }).click();
    await expect.poll(() => fresh.locator('#club option').allTextContents()).toEqual([`IK Demo (${DEMO_CLUB})`]);
    expect(await fresh.locator('#club-id').isHidden()).toBe(true);
    await fresh.close();
  }, 120_000);

  it('loads a period of 2 000 activities (the time is printed, not asserted)', async () => {
    // Spring 2026 of the demo club: 2 000 activities of the team, 12 a day at different times.
    const activities: ActivitySpec[] = Array.from({ length: 2000 }, (_, i) => {
      const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 12) * 86_400_000).toISOString().slice(0, 10);
      const hour = 8 + (i % 12);
      return {
        id: `BULK-${String(i).padStart(4, '0')}`,
        date: day,
        start: `${hour}:00`.padStart(5, '0'),
        end: `${hour}:50`.padStart(5, '0'),
        leader: 'L',
        participants: KIDS,
      };
    });
    const receipt = await upload('bulk.xml', clubFile(DEMO_VENDOR, DEMO_CLUB, created, activities));
    expect(receipt.activities).toHaveLength(2000);

    const timings: string[] = [];
    for (const [name, rate] of [
      ['desktop', 1],
      ['phone-like (4× CPU throttling)', 4],
    ] as const) {
      const fresh = await browser.newPage({
        viewport: rate === 1 ? { width: 1024, height: 800 } : { width: 390, height: 844 },
        locale: 'sv-SE',
      });
      const cdp = await fresh.context().newCDPSession(fresh);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate });
      await fresh.goto(local.webUrl);
      await fresh.getByRole('button', { name: `Logga in som official-${DEMO_CLUB}` }).click();
      await fresh.waitForSelector('body[data-loaded="true"]');
      const started = Date.now();
      await fresh.goto(`${local.webUrl}?club=${DEMO_CLUB}&period=2026-1`);
      await fresh.waitForSelector('body[data-loaded="true"]');
      const wall = Date.now() - started;
      const inPage = await fresh.evaluate(() => ({
        loaded: Math.round(performance.now()),
        data: Math.round((globalThis as unknown as { lokLoadedMs: number }).lokLoadedMs),
      }));
      expect(await fresh.locator('#summary').innerText()).toContain('2000');
      if (rate === 4) await fresh.screenshot({ path: join(SCREENSHOTS, 'activities-phone.png') });
      timings.push(
        `${name}: ${wall} ms from navigation to the list shown (in the page ${inPage.loaded} ms; API and render ${inPage.data} ms)`,
      );
      await fresh.close();
    }
    process.stdout.write(`club page, 2 000 activities in a period:\n  ${timings.join('\n  ')}\n`);
  }, 300_000);
});
