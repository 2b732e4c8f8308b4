// Browser test of the reception screen's 医療扶助 block (R-AID-1, R-AID-2): Debian's chromium
// driven by playwright-core in front of a real `onshi terminal` talking mTLS to a real
// `onshi serve`.
//
// Setup, all with the real binary (ONSHI_BINARY): a clinic onboarded in the institutions
// registry (`onshi institutions …`, its certificate from apply-usage) with 「医療扶助情報：
// 利用する」 on; a welfare office's two recipients and this month's 医療券 (`onshi import --kind
// medical-aid`, `--kind medical-aid-tickets`): one designating the clinic (委託), one another
// clinic (未委託); a My Number card for the first. The screen must show the office, the
// ticket and 委託 for the first, and for the second 未委託, no 受給者番号 and what to do next.
// Run: ONSHI_BINARY=/path/to/onshi node --test medical_aid.spec.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startProcess } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.ONSHI_BINARY || path.resolve(here, '../../build/onshi');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const scratch = mkdtempSync(path.join(tmpdir(), 'onshi-aid-screen-'));
const dataDir = path.join(scratch, 'data');
const cardsDir = path.join(scratch, 'cards');
const certDir = path.join(scratch, 'clinic');
const shots = process.env.ONSHI_SCREENSHOTS || scratch;
const children = [];
const logs = [];
const OFFICE = '12131017';
const CONTRACTED = '1234566';
const ELSEWHERE = '7654320';
const OTHER_CLINIC = '1310112352';
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

// A clinic through onboarding to "in use", with the medical-aid setting on; its 医療機関コード.
function onboardClinic() {
  onshi('ca', 'init', '--data-dir', dataDir);
  const p = JSON.parse(onshi('institutions', 'provisional', '--data-dir', dataDir, '--kind', 'clinic',
    '--prefecture', '13', '--name', '扶助クリニック', '--address', '東京都千代田区九段南1-2-1'));
  const n = JSON.parse(onshi('institutions', 'request-number', '--data-dir', dataDir, '--provisional',
    p.provisionalCode, '--designation', '20300401'));
  onshi('institutions', 'designate', '--data-dir', dataDir, '--reception-number', n.receptionNumber);
  onshi('institutions', 'apply-usage', '--data-dir', dataDir, '--code', n.medicalInstitutionCode,
    '--out', certDir, '--date', '20300310');
  onshi('institutions', 'medical-aid', '--data-dir', dataDir, '--code', n.medicalInstitutionCode,
    '--use', '--date', '20240301');
  return n.medicalInstitutionCode;
}

function importCsv(kind, name, lines) {
  const file = path.join(scratch, name);
  writeFileSync(file, lines.join('\n') + '\n');
  const report = path.join(scratch, `${name}.json`);
  onshi('import', '--kind', kind, '--data-dir', dataDir, '--report', report, file);
}

function registerRecipients(clinic) {
  importCsv('medical-aid', 'recipients.csv', [
    'InsurerNumber,InsurerName,InsuredIdentificationNumber,Name,NameKana,Sex1,Birthdate,PostNumber,Address,QualificationDate,DisqualificationDate,ReasonOfLoss,MyNumber',
    `${OFFICE},千代田区福祉事務所,${CONTRACTED},扶助　太郎,フジョ　タロウ,1,19600505,102-0074,東京都千代田区九段南1-2-1,20240101,,,121212121217`,
    `${OFFICE},千代田区福祉事務所,${ELSEWHERE},保護　花子,ホゴ　ハナコ,2,19550303,102-0074,東京都千代田区九段南1-2-1,20240101,,,`,
  ]);
  const today = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10).replaceAll('-', '');
  const month = today.slice(0, 6);
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4, 6)), 0)).getUTCDate();
  const ticket = (number, issue, designated) =>
    [OFFICE, number, '01', `${month}01`, `${month}${last}`, issue, month, designated, '扶助クリニック', '高血圧症', '02', '0', '地区　担当', '01'].join(',');
  importCsv('medical-aid-tickets', 'tickets.csv', [
    'InsurerNumber,InsuredIdentificationNumber,TicketType,MedicalTicketValidDate,MedicalTicketExpirationDate,IssueNumber,MedicalTreatmentMonth,DesignatedMedicalInstitutionCode,DesignatedMedicalInstitutionName,InjuryName1,MedicalTreatmentType,SelfPayAmount,DistrictContactName,SingleOrCombinedUse',
    ticket(CONTRACTED, '0000001', clinic),
    ticket(ELSEWHERE, '0000002', OTHER_CLINIC),
  ]);
}

// The welfare office's import (`onshi import --kind medical-aid`) is what puts recipients in a
// data directory; a binary without it cannot set this scene.
const canImportRecipients = existsSync(binary) &&
  execFileSync(binary, ['import', '--help'], { encoding: 'utf8' }).includes('medical-aid');

before(async () => {
  assert.ok(existsSync(binary), `no onshi binary at ${binary} (set ONSHI_BINARY)`);
  if (!canImportRecipients) return;
  const clinic = onboardClinic();
  registerRecipients(clinic);
  mkdirSync(cardsDir);
  const card = path.join(cardsDir, 'fujo.card');
  onshi('card', 'issue', '--data-dir', dataDir, '--my-number', '121212121217', '--pin', '1234', '--out', card,
    '--label', '扶助 太郎');
  onshi('card', 'link', '--data-dir', dataDir, '--card', card, '--pin', '1234');
  const central = await start(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'],
    /"listening"\s*:\s*"(https:\/\/[^"]+)"/, 'onshi serve');
  const screen = await start(['terminal', '--central', central, '--cert-dir', certDir,
    '--folder', path.join(scratch, 'OQS'), '--listen', '127.0.0.1:0', '--cards', cardsDir, '--poll-ms', '50'],
  /"screen"\s*:\s*"(http:\/\/[^"]+)"/, 'onshi terminal');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1280, height: 1100 } });
  await page.goto(screen);
});

after(async () => {
  if (browser) await browser.close();
  for (const c of children) c.kill('SIGTERM');
  if (!process.env.ONSHI_SCREENSHOTS && !process.env.ONSHI_KEEP) rmSync(scratch, { recursive: true, force: true });
});

describe('医療扶助 on the reception screen', { skip: !canImportRecipients && 'this onshi has no `import --kind medical-aid`' }, () => {
  test('a contracted recipient by card: the office, 委託, the 受給者番号 and the ticket', async () => {
    await page.getByRole('tab', { name: 'マイナンバーカード' }).click();
    const select = page.getByLabel('カード（カードリーダーに置かれたカード）');
    const value = await select.locator('option', { hasText: '扶助 太郎' }).first().getAttribute('value');
    await select.selectOption(value);
    await page.locator('input[name=method][value=pin]').check();
    await page.getByLabel('暗証番号', { exact: true }).fill('1234');
    const done = page.waitForResponse((r) => r.url().endsWith('/api/card-confirmations'));
    await page.getByRole('button', { name: 'カードで資格確認' }).click();
    assert.equal((await done).status(), 200);
    const block = page.getByTestId('medical-aid');
    await block.waitFor();
    assert.equal(await block.getAttribute('data-state'), 'contracted');
    const text = await block.innerText();
    for (const expected of ['医療扶助（委託）', '千代田区福祉事務所', OFFICE, CONTRACTED, '医療券', '高血圧症', '0円', '扶助クリニック'])
      assert.ok(text.includes(expected), `the block lacks ${expected}: ${text}`);
    assert.match(await page.getByTestId('patient').innerText(), /医療扶助（生活保護）/);
    await page.screenshot({ path: path.join(shots, 'reception-medical-aid-contracted.png'), fullPage: true });
  });

  test('a recipient whose ticket names another clinic: 未委託, no 受給者番号, call the office', async () => {
    // R-AID-2
    await page.getByRole('tab', { name: '保険証の番号入力' }).click();
    await page.getByLabel('保険者番号').fill(OFFICE);
    await page.getByLabel('記号', { exact: true }).fill('');
    await page.getByLabel('番号', { exact: true }).fill(ELSEWHERE);
    await page.getByLabel('枝番').fill('');
    await page.getByLabel('生年月日').fill('19550303');
    const done = page.waitForResponse((r) => r.url().endsWith('/api/number-confirmations'));
    await page.getByRole('button', { name: '資格確認', exact: true }).click();
    assert.equal((await done).status(), 200);
    const block = page.getByTestId('medical-aid');
    await block.waitFor();
    assert.equal(await block.getAttribute('data-state'), 'not-contracted');
    assert.match(await page.getByTestId('recipient-number').innerText(), /表示されません/);
    assert.match(await page.getByTestId('medical-aid-next').innerText(), /福祉事務所に連絡し医療券の発行を確認してください/);
    assert.ok(!(await page.locator('#result').innerText()).includes(ELSEWHERE), 'the 受給者番号 is not on the screen');
    await page.locator('.guidance[data-case="medical-aid-not-contracted"]').waitFor();
    await page.screenshot({ path: path.join(shots, 'reception-medical-aid-not-contracted.png'), fullPage: true });
  });
});
