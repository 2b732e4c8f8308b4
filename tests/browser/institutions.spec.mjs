// Browser tests of onshi's institution pages: the published list (/institutions/list) and the
// statistics page (/institutions/statistics), opened in Debian's chromium driven by
// playwright-core, over the service's real HTTPS with a client certificate from onshi's CA.
//
// Setup builds a scratch data directory with the real binary (ONSHI_BINARY): CA, then five
// institutions taken through provisional → card reader → 受付番号 → designation → usage, in
// four prefectures and all four kinds, one left provisional; then `onshi serve` on port 0.
// Run: ONSHI_BINARY=/path/to/onshi node --test institutions.spec.mjs
// ONSHI_SCREENSHOTS=DIR keeps the screenshots there (by default they go with the scratch dir).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.ONSHI_BINARY || path.resolve(here, '../../build/onshi');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// The dates of the scenario: designation on 2030-04-01, usage from then on; the list is the
// one published on Monday 2030-04-08; the statistics are those of 2030-05-01.
const DESIGNATION = '20300401';
const LIST_DATE = '2030-04-08';
const STATS_DATE = '20300501';

const scratch = mkdtempSync(path.join(tmpdir(), 'onshi-browser-'));
const dataDir = path.join(scratch, 'data');
let server; // the `onshi serve` child process
let origin; // https://127.0.0.1:PORT
let context; // the browser context (persistent, with its own fresh user-data-dir)
const serverLog = [];
const shots = process.env.ONSHI_SCREENSHOTS || scratch;

// Runs the onshi binary; returns its stdout parsed as JSON when it is JSON.
function onshi(...args) {
  let out;
  try {
    out = execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`onshi ${args.join(' ')} failed (${e.status}): ${e.stderr}`);
  }
  try {
    return JSON.parse(out);
  } catch {
    return out;
  }
}

// One institution from 仮コード to 利用中; returns its 10-digit code. `reader` applies for a
// card reader first; `usage` false stops after the 仮コード.
function onboard({ kind, prefecture, name, address, reader = true, usage = true }) {
  const d = ['--data-dir', dataDir];
  const { provisionalCode } = onshi('institutions', 'provisional', ...d, '--kind', kind,
    '--prefecture', prefecture, '--name', name, '--address', address);
  if (reader) {
    onshi('institutions', 'portal-account', ...d, '--provisional', provisionalCode);
    onshi('institutions', 'card-reader', ...d, '--provisional', provisionalCode,
      '--model', 'A社 KR-1', '--date', '20300110');
  }
  if (!usage) return provisionalCode;
  const answer = onshi('institutions', 'request-number', ...d, '--provisional', provisionalCode,
    '--designation', DESIGNATION, '--request-date', '20300120');
  onshi('institutions', 'designate', ...d, '--reception-number', answer.receptionNumber);
  const code = answer.medicalInstitutionCode;
  onshi('institutions', 'apply-usage', ...d, '--code', code, '--date', '20300310',
    '--out', path.join(scratch, `cert-${code}`));
  return code;
}

// Starts `onshi serve` on port 0 and resolves with the address it prints.
function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(binary, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => reject(new Error('onshi serve did not start in 15 s')), 15000);
    let buffered = '';
    server.stdout.setEncoding('utf8');
    server.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        const m = line.match(/"listening"\s*:\s*"(https:\/\/[^"]+)"/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    });
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (chunk) => serverLog.push(chunk));
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`onshi serve exited (${code}): ${serverLog.join('')}`));
    });
  });
}

const codes = {};

before(async () => {
  assert.ok(existsSync(binary), `no onshi binary at ${binary} (set ONSHI_BINARY)`);
  onshi('ca', 'init', '--data-dir', dataDir);
  codes.tokyoClinic = onboard({ kind: 'clinic', prefecture: '13', name: '霞が関オン資クリニック',
    address: '東京都千代田区霞が関1-2-2' });
  codes.tokyoDental = onboard({ kind: 'dental', prefecture: '13', name: '銀座さくら歯科',
    address: '東京都中央区銀座4-1-1' });
  codes.osakaHospital = onboard({ kind: 'hospital', prefecture: '27', name: 'なにわ総合病院',
    address: '大阪府大阪市北区梅田1-1-1' });
  codes.kanagawaPharmacy = onboard({ kind: 'pharmacy', prefecture: '14', name: 'みなと薬局',
    address: '神奈川県横浜市中区本町1-1', reader: false });
  codes.hokkaidoProvisional = onboard({ kind: 'clinic', prefecture: '01',
    name: '札幌準備中クリニック', address: '北海道札幌市中央区北1条西2', usage: false });
  // R-AID-3: the dental clinic uses medical-aid information.
  onshi('institutions', 'medical-aid', '--data-dir', dataDir, '--code', codes.tokyoDental,
    '--use', '--date', '20300402');
  // R-INST-5: the population each figure is a share of, and the card figures.
  for (const [kind, pref, count] of [['clinic', '13', 8], ['clinic', '01', 2], ['hospital', '27', 4],
    ['dental', '13', 5]]) {
    onshi('institutions', 'set-total', '--data-dir', dataDir, '--kind', kind,
      '--prefecture', pref, '--count', String(count));
  }
  onshi('institutions', 'set-card-figures', '--data-dir', dataDir, '--issued', '200000',
    '--registrations', '123456');

  origin = await startServer();
  // The browser presents the clinic's certificate, the one apply-usage handed out.
  const cert = path.join(scratch, `cert-${codes.tokyoClinic}`);
  context = await chromium.launchPersistentContext(path.join(scratch, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin, certPath: path.join(cert, 'cert.pem'),
      keyPath: path.join(cert, 'key.pem') }],
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
  });
});

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.removeAllListeners('exit');
    server.kill('SIGTERM');
  }
  rmSync(scratch, { recursive: true, force: true });
});

// The codes in the visible rows of the list table.
async function listedCodes(page) {
  const rows = page.locator('#institutions tbody tr:visible');
  const cells = await rows.locator('td:first-child').allInnerTexts();
  return cells.map((c) => c.trim()).filter((c) => /^\d{10}$/.test(c)).sort();
}

// Every request a page makes; the pages must load nothing from elsewhere.
function recordRequests(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

describe('institution list page', () => {
  // R-INST-4: the weekly list shows the institutions in use, and only those.
  test('lists the designated institutions in use, in Japanese', async () => {
    const page = await context.newPage();
    const urls = recordRequests(page);
    const res = await page.goto(`${origin}/institutions/list?asOf=${LIST_DATE}`);
    assert.equal(res.status(), 200);
    await assert.doesNotReject(page.getByRole('heading', { level: 1, name: /オンライン資格確認/ })
      .waitFor({ state: 'visible' }));
    assert.match(await page.locator('h1').innerText(), /導入医療機関等一覧/);
    const inUse = [codes.tokyoClinic, codes.tokyoDental, codes.osakaHospital,
      codes.kanagawaPharmacy].sort();
    assert.deepEqual(await listedCodes(page), inUse);
    assert.match(await page.locator('#published').innerText(), /4件/);
    const body = await page.locator('body').innerText();
    assert.ok(!body.includes('札幌準備中クリニック'), 'a provisional entry is not published');
    // Row contents as a reader sees them: name, kind, prefecture.
    const hospital = page.locator('#institutions tbody tr', { hasText: codes.osakaHospital });
    assert.match(await hospital.innerText(), /なにわ総合病院\s+病院\s+大阪府/);
    // R-AID-3: the medical-aid column.
    const dental = page.locator('#institutions tbody tr', { hasText: codes.tokyoDental });
    assert.match(await dental.innerText(), /利用する/);
    const clinic = page.locator('#institutions tbody tr', { hasText: codes.tokyoClinic });
    assert.doesNotMatch(await clinic.innerText(), /利用する/);
    assert.ok(urls.every((u) => u.startsWith(origin)), `outside requests: ${urls}`);
    // A screenshot of the rendered page: a real PNG with content.
    const shot = path.join(shots, 'list.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.ok(statSync(shot).size > 1000, 'screenshot has content');
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    await page.close();
  });

  // R-INST-4: the search form filters by prefecture, kind and name.
  test('search by prefecture, kind and name filters the rows', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/institutions/list?asOf=${LIST_DATE}`);
    const search = async () => {
      await Promise.all([page.waitForURL(/\/institutions\/list\?/),
        page.getByRole('button', { name: '検索' }).click()]);
    };

    await page.selectOption('#prefecture', '13');
    await search();
    assert.match(page.url(), /prefecture=13/);
    assert.deepEqual(await listedCodes(page), [codes.tokyoClinic, codes.tokyoDental].sort());
    assert.equal(await page.locator('#prefecture').inputValue(), '13', 'the choice is kept');

    await page.selectOption('#prefecture', '');
    await page.selectOption('#kind', 'pharmacy');
    await search();
    assert.deepEqual(await listedCodes(page), [codes.kanagawaPharmacy]);
    assert.match(await page.locator('#institutions tbody').innerText(), /みなと薬局/);

    await page.selectOption('#kind', '');
    await page.fill('#name', '歯科');
    await search();
    assert.deepEqual(await listedCodes(page), [codes.tokyoDental]);

    // Filters combine; nothing matching shows the 該当なし row.
    await page.selectOption('#prefecture', '27');
    await search();
    assert.deepEqual(await listedCodes(page), []);
    await assert.doesNotReject(page.getByText('該当する医療機関等はありません')
      .waitFor({ state: 'visible' }));

    // An earlier date gives an earlier list: before the usage began, nothing is published.
    await page.selectOption('#prefecture', '');
    await page.fill('#name', '');
    await page.fill('input[name=asOf]', '2030-03-25');
    await search();
    assert.deepEqual(await listedCodes(page), []);
    await page.close();
  });

  test('links to the statistics page', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/institutions/list?asOf=${LIST_DATE}`);
    await Promise.all([page.waitForURL(/\/institutions\/statistics/),
      page.getByRole('link', { name: '導入状況の統計' }).click()]);
    assert.match(await page.locator('h1').innerText(), /オンライン資格確認 導入状況/);
    await page.close();
  });
});

describe('statistics page', () => {
  // R-INST-5: the figures in the ministry's wording and the inline SVG charts.
  test('shows the figures and the bar charts', async () => {
    const page = await context.newPage();
    const urls = recordRequests(page);
    const res = await page.goto(`${origin}/institutions/statistics?asOf=${STATS_DATE}`);
    assert.equal(res.status(), 200);
    await page.getByRole('heading', { level: 1, name: /オンライン資格確認/ })
      .waitFor({ state: 'visible' });
    // 20 institutions in all (set totals plus the pharmacy counted from the registry), 4 card
    // readers applied for (the pharmacy did not), 4 in use, 1 using medical-aid information.
    assert.equal(await page.locator('#readers').innerText(),
      'カードリーダーの申込数は約4機関（20.0%）（全体約20機関に対する割合）');
    assert.equal(await page.locator('#in-use').innerText(), '運用開始施設数 4機関（20.0%）');
    assert.equal(await page.locator('#medical-aid').innerText(), '医療扶助情報を利用する施設 1機関');
    assert.match(await page.locator('#cards').innerText(), /12\.3万件（61\.7%）.*20\.0万件/);

    const kindRows = await page.locator('#by-kind tbody tr').allInnerTexts();
    const byKind = Object.fromEntries(kindRows.map((r) => {
      const cells = r.split('\t').map((c) => c.trim());
      return [cells[0], cells.slice(1)];
    }));
    assert.deepEqual(byKind['病院'], ['4', '1', '25.0%', '1', '25.0%']);
    assert.deepEqual(byKind['診療所'], ['10', '2', '20.0%', '1', '10.0%']);
    assert.deepEqual(byKind['薬局'], ['1', '0', '0.0%', '1', '100.0%']);
    const prefRows = await page.locator('#by-prefecture tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(prefRows, ['北海道', '東京都', '神奈川県', '大阪府']);

    // The charts: inline SVG, visible, one pair of bars per row, widths in proportion.
    const kindChart = page.locator('svg#chart-kind');
    await kindChart.waitFor({ state: 'visible' });
    const box = await kindChart.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `chart is drawn: ${JSON.stringify(box)}`);
    const inUseWidths = await kindChart.locator('rect.in-use').evaluateAll(
      (rects) => rects.map((r) => Number(r.getAttribute('width'))));
    assert.deepEqual(inUseWidths, [105, 42, 84, 420]); // 病院 25%, 診療所 10%, 歯科 20%, 薬局 100%
    const rendered = await kindChart.locator('rect.in-use').last().boundingBox();
    assert.ok(rendered && rendered.width > 300, 'the 100% bar is rendered full width');
    assert.equal(await page.locator('svg#chart-prefecture rect.applications').count(), 4);
    assert.match(await page.locator('svg#chart-prefecture').textContent(), /神奈川県/);

    assert.ok(urls.every((u) => u.startsWith(origin)), `outside requests: ${urls}`);
    const shot = path.join(shots, 'statistics.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 1000, 'screenshot has content');
    await page.close();
  });
});
