// Browser tests of how onshi serves its pages (the files under web/, embedded in the binary):
// the strict Content-Security-Policy and the other security headers on every page, no inline
// script or style left for the policy to block (Chromium reports no violation while the pages
// are used), the content types of the script and style files, and revalidation by ETag.
//
// Setup: `onshi demo --no-serve --members 0` in a scratch directory (CA, the clinic's
// certificate, the demo members), then `onshi serve` and `onshi terminal` on port 0.
// Run: ONSHI_BINARY=/path/to/onshi node --test pages.spec.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startProcess } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.ONSHI_BINARY || path.resolve(here, '../../build/onshi');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const CSP = /^default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'$/;
// The institution pages stand alone as one file: their style sheet is inline, allowed by its hash.
const CSP_WITH_STYLE = /^default-src 'self'; script-src 'self'; style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'$/;

const scratch = mkdtempSync(path.join(tmpdir(), 'onshi-pages-'));
const dataDir = path.join(scratch, 'data');
const children = [];
const logs = [];
let central; // https://127.0.0.1:PORT
let screen; // http://127.0.0.1:PORT/
let browser;
let context;

// Starts the binary and resolves with the first match of `pattern` in its stdout.
const start = (args, pattern, what) => startProcess(binary, args, pattern, what, children, logs);

before(async () => {
  assert.ok(existsSync(binary), `no onshi binary at ${binary} (set ONSHI_BINARY)`);
  execFileSync(binary, ['demo', '--no-serve', '--members', '0', '--data-dir', dataDir], { stdio: 'ignore' });
  central = await start(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'],
    /"listening"\s*:\s*"(https:\/\/[^"]+)"/, 'onshi serve');
  screen = await start(['terminal', '--central', central, '--cert-dir', path.join(dataDir, 'clinic'),
    '--folder', path.join(scratch, 'OQS'), '--listen', '127.0.0.1:0'],
  /"screen"\s*:\s*"(http:\/\/[^"]+)"/, 'onshi terminal');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  const clinic = path.join(dataDir, 'clinic');
  context = await browser.newContext({
    locale: 'ja-JP',
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: central, certPath: path.join(clinic, 'cert.pem'),
      keyPath: path.join(clinic, 'key.pem') }],
  });
  // Every CSP violation the page reports, recorded before any of the page's own script runs.
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
});

after(async () => {
  await browser?.close();
  for (const c of children) {
    c.removeAllListeners('exit');
    if (c.exitCode === null) c.kill('SIGTERM');
  }
  rmSync(scratch, { recursive: true, force: true });
});

// Opens `url`, checks the security headers of the answer, and returns the page with the
// console messages that mention the Content Security Policy.
async function open(url, csp = CSP) {
  const page = await context.newPage();
  const cspMessages = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspMessages.push(m.text()); });
  const res = await page.goto(url);
  assert.equal(res.status(), 200);
  const h = res.headers();
  assert.match(h['content-security-policy'], csp);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer');
  assert.match(h['content-type'], /^text\/html; charset=utf-8$/);
  return { page, cspMessages };
}

// No inline script, no style attribute in the document as the browser holds it, and nothing
// the policy had to block.
async function assertNothingBlocked(page, cspMessages, styleBlocks = 0) {
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');
  assert.equal(await page.locator('[style]').count(), 0, 'no style attribute');
  assert.equal(await page.locator('style').count(), styleBlocks, 'style blocks');
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assert.deepEqual(cspMessages, []);
}

describe('reception screen under the CSP', () => {
  // issue 14: pages as files — the screen works with script-src 'self' and style-src 'self'.
  test('loads its script and styles and confirms by numbers without a violation', async () => {
    const { page, cspMessages } = await open(screen);
    // The style sheet applies (the header bar's colour) and the script ran (the header filled).
    assert.equal(await page.locator('header').evaluate((e) => getComputedStyle(e).backgroundColor),
      'rgb(18, 58, 99)');
    await page.locator('#institution').filter({ hasText: /医療機関コード \d{10}/ }).waitFor();
    await page.getByRole('tab', { name: '保険証の番号入力' }).click();
    assert.equal(await page.locator('#branch').evaluate((e) => getComputedStyle(e.parentElement).maxWidth),
      '96px', 'the 枝番 field keeps its width (6em) from the style sheet');
    await page.fill('#insurerNumber', '06139992');
    await page.fill('#symbol', '1234');
    await page.fill('#number', '5678');
    await page.fill('#branch', '00');
    await page.fill('#birthdate', '19800515');
    await page.click('#numbers-submit');
    await page.locator('[data-testid=validity]').filter({ hasText: '有効' }).waitFor();
    await page.getByRole('tab', { name: '本日の履歴' }).click();
    await page.locator('#history-table tbody tr').first().waitFor();
    await assertNothingBlocked(page, cspMessages);
    await page.close();
  });

  // issue 14: pages as files — the files' content types, ETag and 304.
  test('serves reception.js as text/javascript and answers 304 to its ETag', async () => {
    const js = await context.request.get(new URL('/reception.js', screen).href);
    assert.equal(js.status(), 200);
    assert.equal(js.headers()['content-type'], 'text/javascript; charset=utf-8');
    assert.match(js.headers()['content-security-policy'], CSP);
    assert.equal(js.headers()['cache-control'], 'no-cache');
    const etag = js.headers().etag;
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const again = await context.request.get(new URL('/reception.js', screen).href,
      { headers: { 'If-None-Match': etag } });
    assert.equal(again.status(), 304);
    assert.equal((await again.body()).length, 0);
    const css = await context.request.get(new URL('/reception.css', screen).href);
    assert.equal(css.headers()['content-type'], 'text/css; charset=utf-8');
  });
});

describe('institution pages under the CSP', () => {
  // issue 14: pages as files — the server-rendered pages from templates; their style sheet
  // (web/institutions/institutions.css) applies through its hash in the CSP, nothing is blocked.
  for (const [name, url] of [['list', '/institutions/list'], ['statistics', '/institutions/statistics']]) {
    test(`the ${name} page carries the CSP and its style sheet applies`, async () => {
      const { page, cspMessages } = await open(central + url, CSP_WITH_STYLE);
      assert.equal(await page.locator('body').evaluate((e) => getComputedStyle(e).fontFamily), 'sans-serif');
      assert.equal(await page.locator('th').first().evaluate((e) => getComputedStyle(e).backgroundColor),
        'rgb(238, 243, 248)');
      assert.match(await page.locator('h1').innerText(), /オンライン資格確認/);
      await assertNothingBlocked(page, cspMessages, 1);
      await page.close();
    });
  }
});
