// Browser tests of the clinical views on the reception screen (R-CONF-5; issue 16 point 5): a
// doctor signs in, confirms the demo patient by card with consent, opens 薬剤情報, 健診情報,
// 診療情報 and 処方・調剤情報, sees the rows and the chart with its reference range, and downloads
// each view's PDF; a refusal shows its Japanese message (「同意有効期限切れ」 after the consent
// was withdrawn); a reception account sees no clinical view at all.
//
// Real parts only: `onshi demo --no-serve --members 0` (the demo members and their three years
// of clinical history), a real `onshi serve` and `onshi terminal` on port 0 (mTLS between them),
// accounts added with `onshi terminal users add`, and Debian's chromium driven by
// playwright-core. Run: ONSHI_BINARY=/path/to/onshi node --test clinical.spec.mjs
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

const scratch = mkdtempSync(path.join(tmpdir(), 'onshi-clinical-screen-'));
const dataDir = path.join(scratch, 'data');
const cardsDir = path.join(scratch, 'cards');
const oqsDir = path.join(scratch, 'OQS');
const shots = process.env.ONSHI_SCREENSHOTS || scratch;
const children = [];
const logs = [];
let centralUrl;
let screen;
let browser;
let page;

function onshi(args, input) {
  try {
    return execFileSync(binary, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`onshi ${args.join(' ')} failed (${e.status}): ${e.stderr}`);
  }
}

const start = (args, pattern, what) => startProcess(binary, args, pattern, what, children, logs);

function addUser(id, role, name) {
  onshi(['terminal', 'users', 'add', '--folder', oqsDir, '--server', centralUrl,
    '--cert-dir', path.join(dataDir, 'clinic'), '--id', id, '--role', role, '--name', name], 'correct horse battery\n');
}

before(async () => {
  assert.ok(existsSync(binary), `no onshi binary at ${binary} (set ONSHI_BINARY)`);
  onshi(['demo', '--no-serve', '--members', '0', '--data-dir', dataDir]);
  mkdirSync(cardsDir);
  const card = path.join(cardsDir, '1-yamada-taro.card');
  onshi(['card', 'issue', '--data-dir', dataDir, '--my-number', '987654321018', '--pin', '1234', '--out', card,
    '--label', '山田 太郎']);
  onshi(['card', 'link', '--data-dir', dataDir, '--card', card, '--pin', '1234']);
  centralUrl = await start(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'],
    /"listening"\s*:\s*"(https:\/\/[^"]+)"/, 'onshi serve');
  screen = await start(['terminal', '--central', centralUrl, '--cert-dir', path.join(dataDir, 'clinic'),
    '--folder', oqsDir, '--listen', '127.0.0.1:0', '--cards', cardsDir, '--poll-ms', '50'],
  /"screen"\s*:\s*"(http:\/\/[^"]+)"/, 'onshi terminal');
  addUser('dr.suzuki', 'doctor', '鈴木 医師');
  addUser('uketsuke', 'reception', '受付 花子');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  await page.goto(screen);
});

after(async () => {
  if (browser) await browser.close();
  for (const c of children) c.kill('SIGTERM');
  if (!process.env.ONSHI_SCREENSHOTS && !process.env.ONSHI_KEEP) rmSync(scratch, { recursive: true, force: true });
});

async function shot(name) {
  await page.screenshot({ path: path.join(shots, `clinical-${name}.png`), fullPage: true });
}

async function signIn(id) {
  if (await page.getByRole('button', { name: 'サインアウト' }).isVisible()) {
    await page.getByRole('button', { name: 'サインアウト' }).click();
  }
  await page.getByLabel('アカウントID').fill(id);
  await page.getByLabel('パスワード').fill('correct horse battery');
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.getByTestId('signed-in-as').filter({ hasText: 'サインイン中' }).waitFor();
}

// The patient at the reader with their PIN and the consents given; waits for the consent status.
async function readCard(consent) {
  await page.getByRole('tab', { name: 'マイナンバーカード' }).click();
  await page.locator('input[name=method][value=pin]').check();
  await page.getByLabel('暗証番号', { exact: true }).fill('1234');
  await page.getByLabel('薬剤情報の閲覧に同意する').setChecked(consent.includes('medication'));
  await page.getByLabel('特定健診情報の閲覧に同意する').setChecked(consent.includes('checkup'));
  await page.getByLabel('診療情報の閲覧に同意する').setChecked(consent.includes('treatment'));
  await page.getByLabel('手術情報の閲覧に同意する').setChecked(consent.includes('surgery'));
  const status = page.waitForResponse((r) => r.url().includes('/api/clinical/consent-status'));
  await page.getByRole('button', { name: 'カードで資格確認' }).click();
  await page.getByTestId('validity').waitFor();
  await status;
  await page.locator('#clinical li').first().waitFor();
}

// Opens a tab of the clinical views and waits for its answer.
async function openView(label, kind) {
  const answer = page.waitForResponse((r) => r.url().includes(`/api/clinical/views/${kind}?`));
  await page.getByRole('tab', { name: label, exact: true }).click();
  const r = await answer;
  await page.locator('#clinical-body .clinical-head, #clinical-body [data-testid=clinical-refusal]').first().waitFor();
  return r.status();
}

// 「印刷 (PDF)」: the download is a PDF whose text names the view and the patient.
async function printPdf(title) {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '印刷 (PDF)' }).click();
  const file = await (await download).path();
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  await page.locator('#clinical-print-message', { hasText: 'PDF を保存しました' }).waitFor();
  try {
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    assert.match(text, new RegExp(title));
    assert.match(text, /山田/);
    assert.match(text, /dr\.suzuki/);
    return text;
  } catch (e) {
    if (e.code === 'ENOENT') return ''; // no poppler-utils: the bytes were checked above
    throw e;
  }
}

describe('clinical views on the reception screen', () => {
  test('a refusal shows its Japanese message: no consent, then 同意有効期限切れ', async () => {
    // R-CONF-5: the card confirmation without the checkup consent; then the medication consent
    // withdrawn by the operator (OQSCD031 2) — the service answers E_CONSENT_EXPIRED. First of
    // the tests: a consent, once given at this clinic, stays live for 24 hours.
    await signIn('dr.suzuki');
    await readCard(['medication']);
    assert.equal(await openView('健診情報', 'checkups'), 403);
    assert.equal(await page.getByTestId('clinical-refusal').getAttribute('data-code'), 'E_CONSENT_NONE');
    const serial = JSON.parse(onshi(['card', 'show', '--card', path.join(cardsDir, '1-yamada-taro.card')])).serial;
    onshi(['clinical', 'consents', 'withdraw', '--data-dir', dataDir, '--card-serial', serial,
      '--category', 'medication', '--reason', '2']);
    assert.equal(await openView('薬剤情報', 'medication'), 403);
    const refusal = page.getByTestId('clinical-refusal');
    assert.equal(await refusal.getAttribute('data-code'), 'E_CONSENT_EXPIRED');
    assert.match(await refusal.innerText(), /同意有効期限切れ/);
    await shot('refused');
    // The print is refused the same way, and nothing is downloaded.
    const pdf = await page.request.get(`${screen}api/clinical/views/medication/pdf?insurerNumber=06139992&symbol=1234&number=5678&branch=00`);
    assert.equal(pdf.status(), 403);
    assert.equal((await pdf.json()).code, 'E_CONSENT_EXPIRED');
  });

  test('a doctor opens each view of a consenting patient and prints it as PDF', async () => {
    // R-CONF-5: signed in as a doctor, card with consent to medication, checkups, treatment.
    await signIn('dr.suzuki');
    await readCard(['medication', 'checkup', 'treatment', 'surgery']);
    await page.locator('#clinical-views').waitFor();
    for (const name of ['薬剤情報', '健診情報', '診療情報', '処方・調剤情報'])
      assert.equal(await page.getByRole('tab', { name, exact: true }).count(), 1, name);

    // 薬剤情報: by month, newest first, with institution and days.
    assert.equal(await openView('薬剤情報', 'medication'), 200);
    const months = await page.locator('#clinical-body h4.month').allInnerTexts();
    assert.ok(months.length >= 12, `months: ${months}`);
    const ym = (t) => { const m = t.match(/(\d+)年(\d+)月/); return Number(m[1]) * 100 + Number(m[2]); };
    for (let i = 1; i < months.length; i++) assert.ok(ym(months[i - 1]) > ym(months[i]), `newest first: ${months}`);
    assert.ok(await page.getByTestId('medication-row').count() > 20);
    const body = await page.locator('#clinical-body').innerText();
    assert.match(body, /アムロジピン錠5mg/);
    assert.match(body, /調剤/);
    assert.match(body, /28/);
    await shot('medication');
    await printPdf('薬剤情報');

    // 健診情報: the table by 年度, a chart per value with the reference range.
    assert.equal(await openView('健診情報', 'checkups'), 200);
    assert.ok(await page.getByTestId('checkup-row').count() >= 5);
    assert.match(await page.getByTestId('checkup-table').innerText(), /HbA1c/);
    assert.ok(await page.locator('#clinical-body th', { hasText: '年度' }).count() >= 3);
    const charts = page.getByTestId('chart');
    assert.ok(await charts.count() >= 3, 'a chart per numeric item');
    assert.ok(await page.locator('[data-testid=chart] [data-testid=reference-range]').count() >= 1);
    assert.ok(await page.locator('[data-testid=chart] circle').count() >= 6);
    await shot('checkups');
    await printPdf('特定健診情報');

    // 診療情報
    assert.equal(await openView('診療情報', 'treatments'), 200);
    assert.ok(await page.getByTestId('treatment-row').count() >= 1);
    await printPdf('診療情報');

    // 処方・調剤情報: refused to a clinic that does not use the electronic prescription service
    // (seed 004), in Japanese; shown once the operator records that it does.
    assert.equal(await openView('処方・調剤情報', 'prescriptions'), 403);
    const refusal = page.getByTestId('clinical-refusal');
    assert.equal(await refusal.getAttribute('data-code'), 'E_EPRESCRIPTION_OFF');
    assert.match(await refusal.innerText(), /電子処方箋/);
    const clinic = (await (await page.request.get(`${screen}api/terminal`)).json()).institutionCode;
    onshi(['institutions', 'e-prescription', '--data-dir', dataDir, '--code', clinic, '--use']);
    assert.equal(await openView('処方・調剤情報', 'prescriptions'), 200);
    assert.ok(await page.getByTestId('prescription').count() >= 1);
    assert.match(await page.locator('#clinical-body').innerText(), /処方箋ID/);
    await shot('prescriptions');
    await printPdf('処方・調剤情報');
  });

  test('a reception account sees no clinical view', async () => {
    // R-CONF-5: reception sees coverage only.
    await signIn('uketsuke');
    await readCard(['medication', 'checkup', 'treatment']);
    assert.match(await page.locator('#clinical').innerText(), /閲覧できません/);
    assert.equal(await page.locator('#clinical-views').isHidden(), true);
    assert.equal(await page.getByRole('tab', { name: '薬剤情報', exact: true }).count(), 0);
    // Asked directly, the terminal forwards and the service refuses the account's role.
    const r = await page.request.get(`${screen}api/clinical/views/medication?insurerNumber=06139992&symbol=1234&number=5678&branch=00`);
    assert.equal(r.status(), 403);
    assert.equal((await r.json()).code, 'E_ACCOUNT_ROLE');
    // Signed out: nothing at all.
    await page.getByRole('button', { name: 'サインアウト' }).click();
    const out = await page.request.get(`${screen}api/clinical/views/medication/pdf?insurerNumber=06139992&symbol=1234&number=5678&branch=00`);
    assert.equal(out.status(), 401);
    assert.equal((await out.json()).code, 'E_SESSION');
  });
});
