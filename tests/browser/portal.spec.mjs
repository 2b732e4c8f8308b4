// Browser tests of the patient's own portal (本人向けポータル, issue 17 points 1–2; R-CARD-1,
// R-CARD-2, R-CONF-5): the pages `onshi portal` serves on 127.0.0.1, opened in Debian's
// chromium driven by playwright-core, in front of a real `onshi portal` with a `portal`
// certificate talking mTLS to a real `onshi serve`, beside a real `onshi terminal` of the demo
// clinic that confirms the patient first.
//
// Setup: `onshi demo --no-serve --members 0` (CA, the clinic's and the portal's certificates,
// the fixed demo members), two cards (山田 太郎 linked, 佐藤 ハナ not), then serve, terminal
// and portal on port 0. The clinic confirms 山田 太郎 by card with the medication consent
// through the terminal's API; the portal then shows that confirmation in 閲覧履歴 and the
// consent in 同意の管理, where it is withdrawn; 薬剤情報, 健診情報 and 診療情報 show the demo
// history of 山田 太郎 with the professional screen's tables and charts; 医療費通知情報 shows the
// demo's expenses. 閲覧履歴's download is checked with `onshi audit verify --entries`.
// Run: ONSHI_BINARY=/path/to/onshi node --test portal.spec.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startProcess } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.ONSHI_BINARY || path.resolve(here, '../../build/onshi');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const scratch = mkdtempSync(path.join(tmpdir(), 'onshi-portal-'));
const dataDir = path.join(scratch, 'data');
const cardsDir = path.join(scratch, 'cards');
const children = [];
const logs = [];
const MY_NUMBERS = ['987654321018', '223344556678'];
let portal; // http://127.0.0.1:PORT/
let screen; // the clinic's terminal
let browser;
let page;

function onshi(...args) {
  try {
    return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`onshi ${args.join(' ')} failed (${e.status}): ${e.stderr}`);
  }
}
const start = (args, pattern, what) => startProcess(binary, args, pattern, what, children, logs);

function issueCard(id, myNumber, label, link = true) {
  const out = path.join(cardsDir, `${id}.card`);
  onshi('card', 'issue', '--data-dir', dataDir, '--my-number', myNumber, '--pin', '1234', '--out', out,
    '--label', label);
  if (link) onshi('card', 'link', '--data-dir', dataDir, '--card', out, '--pin', '1234');
}

before(async () => {
  assert.ok(existsSync(binary), `no onshi binary at ${binary} (set ONSHI_BINARY)`);
  onshi('demo', '--no-serve', '--members', '0', '--data-dir', dataDir);
  mkdirSync(cardsDir);
  issueCard('1-yamada-taro', MY_NUMBERS[0], '山田 太郎');
  issueCard('3-sato-hana', MY_NUMBERS[1], '佐藤 ハナ', false);
  const central = await start(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'],
    /"listening"\s*:\s*"(https:\/\/[^"]+)"/, 'onshi serve');
  screen = await start(['terminal', '--central', central, '--cert-dir', path.join(dataDir, 'clinic'),
    '--folder', path.join(scratch, 'OQS'), '--listen', '127.0.0.1:0', '--cards', cardsDir],
  /"screen"\s*:\s*"(http:\/\/[^"]+)"/, 'onshi terminal');
  portal = await start(['portal', '--central', central, '--cert-dir', path.join(dataDir, 'portal'),
    '--listen', '127.0.0.1:0', '--cards', cardsDir], /"portal"\s*:\s*"(http:\/\/[^"]+)"/, 'onshi portal');
  // The demo clinic confirms 山田 太郎 by card, with the medication consent.
  const r = await fetch(new URL('/api/card-confirmations', screen), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ card: '1-yamada-taro', pin: '1234', consent: { medication: true } }),
  });
  assert.equal(r.status, 200, await r.text());
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 390, height: 844 } }); // a phone
});

after(async () => {
  if (browser) await browser.close();
  for (const c of children) c.kill('SIGTERM');
  if (!process.env.ONSHI_KEEP) rmSync(scratch, { recursive: true, force: true });
});

async function signIn(card, pin) {
  await page.goto(portal);
  await page.waitForSelector(`#signin-card option[value="${card}"]`, { state: 'attached' });
  await page.selectOption('#signin-card', card);
  await page.fill('#signin-pin', pin);
  await page.click('#signin-submit');
}

function noMyNumber(text) {
  for (const n of MY_NUMBERS) assert.ok(!text.includes(n), 'the My Number is shown');
}

describe('patient portal', () => {
  // R-CARD-2: the pages run under the strict CSP; the session cookie is HttpOnly and
  // SameSite=Strict; the API refuses without a session.
  test('headers, cookie and refusal without a session', async () => {
    const res = await fetch(portal);
    assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
    assert.doesNotMatch(res.headers.get('content-security-policy'), /unsafe-inline/);
    const q = await fetch(new URL('/api/me/qualifications', portal));
    assert.equal(q.status, 401);
    assert.equal((await q.json()).code, 'E_SESSION');
  });

  // R-CARD-2, bad input: a wrong PIN is refused with the tries left and signs nobody in.
  test('a wrong PIN is counted and refused', async () => {
    await signIn('1-yamada-taro', '9999');
    await page.waitForFunction(() => document.getElementById('signin-error').textContent.includes('残り2回'));
    assert.equal(await page.isHidden('#app'), true);
  });

  // R-CARD-2: sign-in, then 資格情報 shows the current qualification first.
  test('sign-in and 資格情報', async () => {
    await signIn('1-yamada-taro', '1234');
    await page.waitForSelector('#app:not([hidden])');
    const cookies = await page.context().cookies();
    const c = cookies.find((x) => x.name === 'onshi_portal');
    assert.ok(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
    await page.waitForSelector('#card-linked');
    assert.match(await page.textContent('#card-state'), /登録済み/);
    await page.click('#tab-qualifications');
    await page.waitForSelector('.qualification');
    const first = await page.textContent('.qualification');
    assert.match(first, /現在の資格/);
    noMyNumber(await page.content());
  });

  // R-CARD-2: 閲覧履歴 shows the demo clinic's confirmation just made, with its method.
  test('閲覧履歴 shows the clinic confirmation', async () => {
    await page.click('#tab-accesses');
    await page.waitForSelector('tr.access');
    const row = await page.textContent('tr.access');
    assert.match(row, /1310112345/);
    assert.match(row, /資格情報/);
    assert.match(row, /暗証番号/);
    await page.fill('#accesses-institution', '3410712362');
    await page.click('#accesses-filter button');
    await page.waitForSelector('#accesses .empty');
  });

  // R-CARD-2: 閲覧履歴 says how the log is protected and downloads the person's entries with
  // the signed chain head; `onshi audit verify --entries` accepts the file.
  test('閲覧履歴: the download verifies against the chain', async () => {
    await page.click('#audit-protection summary');
    assert.match(await page.textContent('#audit-protection'), /ハッシュ値/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#audit-download')]);
    assert.match(download.suggestedFilename(), /^audit-entries-\d{8}\.json$/);
    const file = path.join(scratch, 'audit-entries.json');
    await download.saveAs(file);
    const d = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(d.format, 'onshi-audit-entries/1');
    assert.ok(d.entries.some((e) => e.action === 'confirm'), JSON.stringify(d.entries));
    noMyNumber(JSON.stringify(d));
    const out = onshi('audit', 'verify', '--data-dir', dataDir, '--entries', file);
    assert.match(out.split('\n')[0], /"ok":true/);
  });

  // R-CARD-2 (issue 17 point 2): the person's own 薬剤情報 (a demo drug), 健診情報 (the
  // professional screen's SVG charts with the reference range) and 診療情報 (rows).
  test('薬剤情報, 健診情報 and 診療情報', async () => {
    await page.click('#tab-medication');
    await page.waitForSelector('#clinical-medication [data-testid=medication-row]');
    assert.match(await page.textContent('#clinical-medication'), /アムロジピン錠5mg/);
    await page.click('#tab-checkups');
    await page.waitForSelector('#clinical-checkups svg[data-testid=chart]');
    assert.ok(await page.locator('#clinical-checkups [data-testid=checkup-row]').count() >= 1);
    assert.ok(await page.locator('#clinical-checkups [data-testid=chart] [data-testid=reference-range]').count() >= 1);
    await page.click('#tab-treatments');
    await page.waitForSelector('#clinical-treatments [data-testid=treatment-row]');
    assert.equal(await page.isHidden('#panel-medication'), true);
    noMyNumber(await page.content());
    // Own views are not someone looking: 閲覧履歴 still lists the clinic's confirmation only.
    await page.click('#tab-accesses');
    await page.fill('#accesses-institution', '');
    await page.click('#accesses-filter button');
    await page.waitForSelector('tr.access');
    for (const row of await page.locator('tr.access').allTextContents()) assert.match(row, /1310112345/);
  });

  // R-CONF-5: the consent given at the clinic's reader is withdrawn from home (OQSCD031 2).
  test('同意の管理: withdrawing a consent', async () => {
    await page.click('#tab-consents');
    await page.waitForSelector('.consent');
    assert.match(await page.textContent('.consent'), /薬剤情報/);
    await page.click('.consent form.withdraw button');
    await page.waitForSelector('#consents .empty');
    // A state-changing request without the page's CSRF token is refused.
    const status = await page.evaluate(async () => (await fetch('/api/me/withdraw', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ institution: '1310112345', category: 'medication' }),
    })).status);
    assert.equal(status, 403);
  });

  // R-CARD-2 (issue 17 point 2): 医療費通知情報 shows the demo's rows of a year with their
  // totals, and the statement downloads as CSV (UTF-8 with BOM, a 合計 line).
  test('医療費通知情報 and the CSV statement', async () => {
    const back = new Date();
    back.setMonth(back.getMonth() - 2); // the demo's newest month
    const year = String(back.getFullYear());
    await page.click('#tab-expenses');
    await page.waitForSelector(`#expenses-year option[value="${year}"]`, { state: 'attached' });
    await page.selectOption('#expenses-year', year);
    await page.waitForSelector('#expenses-table tr.total');
    const table = await page.textContent('#expenses-table');
    assert.match(table, /オンシ内科クリニック/);
    assert.match(table, /さくら薬局/);
    assert.match(table, /調剤/);
    assert.match(table, /合計/);
    noMyNumber(await page.content());
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#expenses-csv')]);
    assert.equal(download.suggestedFilename(), `iryohi-${year}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\uFEFF診療年月,医療機関コード'), csv.slice(0, 40));
    assert.match(csv, /\r\n合計,,,,\d+,\d+,\d+\r\n$/);
  });

  // R-CARD-2: sign-out ends the session; the API refuses afterwards.
  test('sign-out', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#signin:not([hidden])');
    const status = await page.evaluate(async () => (await fetch('/api/me/card')).status);
    assert.equal(status, 401);
  });

  // R-CARD-1: 初回登録 from home with the PIN.
  test('初回登録 from the portal', async () => {
    await signIn('3-sato-hana', '1234');
    await page.waitForSelector('#link-form:not([hidden])');
    assert.match(await page.textContent('#card-state'), /未登録/);
    await page.fill('#link-pin', '1234');
    await page.click('#link-submit');
    await page.waitForFunction(() => document.getElementById('card-state').textContent.includes('登録済み'));
    noMyNumber(await page.content());
  });
});
