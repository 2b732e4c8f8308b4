// The reception screen's page: HTML, CSS and script in one raw string (see screen.h).
//
// The page is what front-desk staff use all day, so it is built for them: three tabs
// (マイナンバーカード, 保険証の番号入力, 本日の履歴), large type, one action per panel, every
// label in Japanese, errors shown next to the field they concern, and a coloured banner for
// each QualificationValidity with what to do next (R-CONF-7). The result panel follows the
// layout of the confirmation screen published with the system (患者情報: シメイ, 氏名, 性別,
// 生年月日, 年齢, 保険者番号・名称, 記号・番号・枝番, 患者区分, 資格取得年月日, 交付年月日, 有効期限,
// then the 限度額適用認定証 block only with the patient's consent, R-CONF-4).
//
// The script only formats what the terminal's JSON API returns (docs/terminal.md): dates
// arrive already in 和暦, guidance texts arrive from the terminal, and the page never sees a
// My Number. No external resources are loaded; the page works offline on the terminal.
//
// A card without 初回登録 (E_CARD_NOT_LINKED) is offered 初回登録 right at the reader
// (R-CARD-1): the patient enters the PIN in a field of its own, POST /api/card-links links the
// card, and 「資格確認する」 runs the card confirmation again with the same card after the
// PIN is entered once more in the usual field. The page never keeps a PIN: every PIN field is
// emptied as soon as its request is sent.
#include "terminal/screen.h"

namespace onshi::terminal {

std::string_view reception_page_html() {
  return R"PAGE(<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>資格確認端末 — オンライン資格確認</title>
<style>
:root { --ink:#1b2430; --muted:#5b6573; --line:#d5dbe3; --bg:#f4f6f9; --panel:#fff;
        --ok:#1e7a3d; --ok-bg:#e6f4ea; --bad:#b3261e; --bad-bg:#fdecea; --warn:#8a5a00;
        --warn-bg:#fff4e0; --info:#1f5fa8; --info-bg:#e8f0fb; }
* { box-sizing: border-box; }
body { margin:0; font-family: "IPAGothic","IPAexGothic","Noto Sans CJK JP","Hiragino Sans",sans-serif;
       color:var(--ink); background:var(--bg); font-size:16px; }
header { display:flex; align-items:center; gap:1.5rem; padding:.6rem 1.2rem; background:#123a63; color:#fff; }
header h1 { font-size:1.25rem; margin:0; }
header .meta { font-size:.9rem; opacity:.9; }
header .status { margin-left:auto; font-size:.9rem; }
header .status.down { background:#fff0f0; color:#b00020; border:2px solid #b00020; border-radius:6px;
  padding:.2rem .6rem; font-weight:bold; }
main { display:grid; grid-template-columns: minmax(340px, 470px) 1fr; gap:1rem; padding:1rem; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
section.panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:1rem; }
nav.tabs { display:flex; gap:.25rem; margin-bottom:.8rem; }
nav.tabs button { flex:1; padding:.6rem .3rem; border:1px solid var(--line); background:#eef1f5;
                  border-radius:6px; font-size:.95rem; white-space:nowrap; cursor:pointer; }
nav.tabs button[aria-selected="true"] { background:#123a63; color:#fff; border-color:#123a63; }
.tabpanel[hidden] { display:none; }
label { display:block; font-weight:bold; margin:.6rem 0 .2rem; }
input[type=text], input[type=password], select { width:100%; padding:.5rem; font-size:1.1rem;
       border:1px solid #9aa5b4; border-radius:4px; }
input[aria-invalid="true"] { border-color:var(--bad); background:var(--bad-bg); }
.field-error { color:var(--bad); font-size:.9rem; margin-top:.2rem; min-height:1em; }
.hint { color:var(--muted); font-size:.85rem; }
.row { display:flex; gap:.6rem; }
.row > div { flex:1; }
fieldset { border:1px solid var(--line); border-radius:6px; margin:.8rem 0; padding:.4rem .8rem .6rem; }
legend { font-weight:bold; padding:0 .3rem; }
fieldset label { font-weight:normal; display:flex; gap:.4rem; align-items:center; margin:.3rem 0; }
button.primary { width:100%; margin-top:1rem; padding:.8rem; font-size:1.2rem; font-weight:bold;
       background:#1f5fa8; color:#fff; border:0; border-radius:6px; cursor:pointer; }
button.primary:disabled { background:#8da9cc; cursor:wait; }
button.small { padding:.3rem .6rem; font-size:.9rem; cursor:pointer; }
.alert { border-radius:6px; padding:.7rem .9rem; margin:.8rem 0; }
.alert.error { background:var(--bad-bg); color:var(--bad); border:1px solid #f1b8b3; }
.alert.info { background:var(--info-bg); color:var(--info); border:1px solid #bcd0ec; }
.help { margin-top:1rem; font-size:.92rem; }
.help summary { cursor:pointer; color:var(--info); font-weight:bold; }
.help p { margin:.4rem 0 .4rem 1rem; }
.banner { font-size:1.5rem; font-weight:bold; padding:.7rem 1rem; border-radius:6px; margin-bottom:.8rem; }
.banner.valid { background:var(--ok-bg); color:var(--ok); border:2px solid var(--ok); }
.banner.invalid, .banner.not-found { background:var(--bad-bg); color:var(--bad); border:2px solid var(--bad); }
.banner.invalid-newer, .banner.multiple { background:var(--warn-bg); color:var(--warn); border:2px solid var(--warn); }
.banner small { display:block; font-size:.9rem; font-weight:normal; color:var(--ink); margin-top:.2rem; }
.guidance { background:var(--warn-bg); border-left:5px solid var(--warn); padding:.5rem .9rem; margin:.6rem 0; }
.guidance h3 { margin:.2rem 0; font-size:1.05rem; }
.guidance p { margin:.2rem 0; }
table.patient { width:100%; border-collapse:collapse; margin:.4rem 0 1rem; }
table.patient th, table.patient td { border:1px solid var(--line); padding:.4rem .6rem; text-align:left; vertical-align:top; }
table.patient th { background:#eef3f9; width:9.5em; font-weight:bold; white-space:nowrap; }
table.patient td.big { font-size:1.2rem; font-weight:bold; }
.block { border:1px solid var(--line); border-radius:6px; padding:.5rem .8rem; margin:.6rem 0; }
.block h3 { margin:.1rem 0 .4rem; font-size:1.05rem; }
.muted { color:var(--muted); }
.empty { color:var(--muted); padding:2rem; text-align:center; }
table.history { width:100%; border-collapse:collapse; }
table.history th, table.history td { border-bottom:1px solid var(--line); padding:.35rem .25rem; text-align:left;
       font-size:.85rem; white-space:nowrap; }
table.history td.how, table.history td.what { white-space:normal; min-width:4.5em; }
table.history button.small { padding:.2rem .45rem; font-size:.8rem; }
#history-message, #resend-result { word-break:break-all; }
.badge { display:inline-block; padding:0 .4rem; border-radius:4px; font-size:.8rem; }
.badge.valid { background:var(--ok-bg); color:var(--ok); }
.badge.invalid, .badge.not-found { background:var(--bad-bg); color:var(--bad); }
.badge.invalid-newer, .badge.multiple { background:var(--warn-bg); color:var(--warn); }
.badge.locked { background:var(--bad-bg); color:var(--bad); }
.done { color:#1b6e2d; font-weight:bold; cursor:help; }
button.secondary { width:100%; margin-top:.6rem; padding:.7rem; font-size:1.1rem; font-weight:bold;
       background:#fff; color:#1f5fa8; border:2px solid #1f5fa8; border-radius:6px; cursor:pointer; }
button.secondary:disabled { color:#8da9cc; border-color:#8da9cc; cursor:wait; }
.link-box { border:2px solid #bcd0ec; border-radius:6px; padding:.6rem .9rem; margin:.6rem 0; background:var(--info-bg); }
.link-box p { margin:.3rem 0; }
.candidates button { display:block; width:100%; text-align:left; margin:.3rem 0; padding:.5rem; cursor:pointer; }
</style>
</head>
<body>
<header>
  <h1>資格確認端末</h1>
  <span class="meta" id="institution">医療機関コード —</span>
  <span class="meta" id="today">—</span>
  <span class="status" id="status" role="status">接続確認中…</span>
</header>
<main>
<section class="panel" aria-label="受付">
  <nav class="tabs" role="tablist">
    <button role="tab" id="tab-card" aria-controls="panel-card" aria-selected="true">マイナンバーカード</button>
    <button role="tab" id="tab-numbers" aria-controls="panel-numbers" aria-selected="false">保険証の番号入力</button>
    <button role="tab" id="tab-history" aria-controls="panel-history" aria-selected="false">本日の履歴</button>
  </nav>

  <div class="tabpanel" id="panel-card" role="tabpanel" aria-labelledby="tab-card">
    <form id="card-form" novalidate>
      <label for="card-select">カード（カードリーダーに置かれたカード）</label>
      <select id="card-select" name="card"></select>
      <div class="field-error" id="card-select-error"></div>
      <fieldset>
        <legend>本人確認の方法</legend>
        <label><input type="radio" name="method" value="pin" checked> 暗証番号（4桁）</label>
        <label><input type="radio" name="method" value="face"> 顔認証</label>
        <label><input type="radio" name="method" value="visual"> 目視確認（職員が顔写真と本人を確認）</label>
      </fieldset>
      <div id="pin-box">
        <label for="pin">暗証番号</label>
        <input type="password" id="pin" name="pin" inputmode="numeric" autocomplete="off" maxlength="4" placeholder="4桁の数字">
        <div class="field-error" id="pin-error"></div>
      </div>
      <fieldset>
        <legend>患者さんの同意（カードリーダーでの選択）</legend>
        <label><input type="checkbox" id="consent-limit"> 限度額情報の提供に同意する</label>
        <label><input type="checkbox" id="consent-medication"> 薬剤情報の閲覧に同意する</label>
        <label><input type="checkbox" id="consent-checkup"> 特定健診情報の閲覧に同意する</label>
      </fieldset>
      <button type="submit" class="primary" id="card-submit">カードで資格確認</button>
    </form>
    <div id="card-message" role="alert"></div>
    <div id="card-link" role="status"></div>
    <details class="help">
      <summary>カードを持参していない・カードリーダーが使えないとき</summary>
      <p><b>カードを持参していない：</b>健康保険証または資格確認書を確認し、「保険証の番号入力」で資格確認してください。どちらもない場合は、患者さんに次回の提示をお願いし、医療機関の取り決めに従って受付してください。</p>
      <p><b>カードリーダーが故障している：</b>マイナンバーカードの券面で本人を確認し、「保険証の番号入力」で保険証または資格確認書の記号・番号等を入力してください。故障はサポート窓口に連絡してください。</p>
      <p><b>暗証番号がロックされた：</b>「顔認証」または「目視確認」で受付できます。ロックの解除は住所地の市区町村窓口で行います。</p>
    </details>
  </div>

  <div class="tabpanel" id="panel-numbers" role="tabpanel" aria-labelledby="tab-numbers" hidden>
    <form id="numbers-form" novalidate>
      <label for="insurerNumber">保険者番号</label>
      <input type="text" id="insurerNumber" name="insurerNumber" inputmode="numeric" autocomplete="off" placeholder="例 06139992">
      <div class="field-error" id="insurerNumber-error"></div>
      <div class="row">
        <div>
          <label for="symbol">記号</label>
          <input type="text" id="symbol" name="symbol" autocomplete="off">
          <div class="field-error" id="symbol-error"></div>
        </div>
        <div>
          <label for="number">番号</label>
          <input type="text" id="number" name="number" autocomplete="off">
          <div class="field-error" id="number-error"></div>
        </div>
        <div style="max-width:6em">
          <label for="branch">枝番</label>
          <input type="text" id="branch" name="branch" inputmode="numeric" autocomplete="off" maxlength="2">
          <div class="field-error" id="branch-error"></div>
        </div>
      </div>
      <label for="birthdate">生年月日</label>
      <input type="text" id="birthdate" name="birthdate" autocomplete="off" placeholder="19800515 または S55.5.15 / 昭和55年5月15日">
      <div class="hint">西暦8桁のほか、和暦（M/T/S/H/R または 明治〜令和）でも入力できます</div>
      <div class="field-error" id="birthdate-error"></div>
      <fieldset>
        <legend>同意</legend>
        <label><input type="checkbox" id="limitConsent"> 限度額情報の提供に患者さんが同意している</label>
      </fieldset>
      <button type="submit" class="primary" id="numbers-submit">資格確認</button>
    </form>
    <div id="numbers-message" role="alert"></div>
  </div>

  <div class="tabpanel" id="panel-history" role="tabpanel" aria-labelledby="tab-history" hidden>
    <p class="muted" id="history-date">本日の資格確認</p>
    <table class="history" id="history-table">
      <thead><tr><th>時刻</th><th>方法</th><th>氏名</th><th>結果</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <div id="history-message" role="status"></div>
  </div>
</section>

<section class="panel" id="result" aria-label="資格確認結果" aria-live="polite"></section>
</main>

<script>
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) =>
  ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const METHOD = { pin: "暗証番号", face: "顔認証", visual: "目視確認", "": "番号入力" };
const ROUTE = { card: "カード", numbers: "番号入力", folder: "レセコン" };
const FIELDS = ["insurerNumber", "symbol", "number", "branch", "birthdate"];

async function api(path, body) {
  const init = body === undefined ? {} :
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, data: { code: "E_CONNECT", detail: "端末に接続できません。端末のソフトウェアが起動しているか確認してください。" } };
  }
  let data = {};
  try { data = await res.json(); } catch (e) { data = { code: "E_RESPONSE", detail: "端末の応答を読めませんでした" }; }
  return { ok: res.ok, status: res.status, data };
}

// ---- tabs ----
function selectTab(name) {
  for (const t of ["card", "numbers", "history"]) {
    $("tab-" + t).setAttribute("aria-selected", String(t === name));
    $("panel-" + t).hidden = t !== name;
  }
  if (name === "history") loadHistory();
}
for (const t of ["card", "numbers", "history"]) $("tab-" + t).addEventListener("click", () => selectTab(t));

// ---- header and cards ----
async function loadTerminal() {
  const r = await api("/api/terminal");
  if (!r.ok) { $("status").textContent = "端末の状態を取得できません"; return; }
  $("institution").textContent = "医療機関コード " + r.data.institutionCode;
  $("today").textContent = r.data.todayWareki || r.data.today;
  // The terminal checks the central service at start and after every call.
  const st = $("status");
  st.classList.toggle("down", r.data.centralReachable === false);
  st.title = r.data.central + (r.data.centralMessage ? "\n" + r.data.centralMessage : "");
  st.textContent = r.data.centralReachable === false ? "中央システムに接続できません"
                 : r.data.centralReachable === true ? "中央システム: 接続中"
                 : "中央システム: 接続確認中…";
}
async function loadCards(keep) {
  const r = await api("/api/cards");
  const sel = $("card-select");
  const prev = keep ? sel.value : "";
  sel.innerHTML = "";
  const cards = (r.ok && r.data.cards) || [];
  if (!cards.length) {
    sel.innerHTML = '<option value="">（カードがありません）</option>';
    return;
  }
  for (const c of cards) {
    const o = document.createElement("option");
    o.value = c.id;
    o.textContent = c.label + (c.locked ? "（暗証番号ロック中）" : "");
    sel.appendChild(o);
  }
  if (prev) sel.value = prev;
}
function syncMethod() {
  const m = document.querySelector('input[name=method]:checked').value;
  $("pin-box").hidden = m !== "pin";
}
document.querySelectorAll("input[name=method]").forEach((r) => r.addEventListener("change", syncMethod));

// While a confirmation runs the previous patient's result must not stay on screen.
const EMPTY_RESULT = '<div class="empty">カードを読み取るか、保険証の番号を入力して資格確認してください。</div>';
function resultBusy() { $("result").innerHTML = '<div class="empty" data-testid="busy">確認中…</div>'; }
function resultIdle() { $("result").innerHTML = EMPTY_RESULT; }

// ---- card confirmation ----
$("card-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const msg = $("card-message");
  msg.innerHTML = "";
  $("card-link").innerHTML = "";
  $("pin-error").textContent = "";
  $("pin").removeAttribute("aria-invalid");
  const method = document.querySelector('input[name=method]:checked').value;
  const card = $("card-select").value;
  if (!card) { $("card-select-error").textContent = "カードを選んでください"; return; }
  $("card-select-error").textContent = "";
  const pin = $("pin").value.trim();
  if (method === "pin" && !/^[0-9]{4}$/.test(pin)) {
    $("pin-error").textContent = "暗証番号は4桁の数字です";
    $("pin").setAttribute("aria-invalid", "true");
    return;
  }
  const body = { card, method, pin: method === "pin" ? pin : "",
    consent: { limitApplication: $("consent-limit").checked, medication: $("consent-medication").checked,
               healthCheckup: $("consent-checkup").checked } };
  $("card-submit").disabled = true;
  resultBusy();
  const r = await api("/api/card-confirmations", body);
  $("card-submit").disabled = false;
  $("pin").value = "";
  if (r.ok) { showView(r.data); loadCards(true); return; }
  resultIdle();
  const d = r.data;
  let text = esc(d.detail || "カードを読み取れませんでした");
  if (typeof d.pinRetriesLeft === "number" && d.code === "E_CARD_PIN")
    text += "<br><b>残りの入力回数：" + d.pinRetriesLeft + "回</b>";
  if (d.code === "E_CARD_PIN") {
    // A wrong PIN is said once, in the message with the tries left; the field is marked.
    $("pin").setAttribute("aria-invalid", "true");
    $("pin-error").textContent = "";
    $("pin").focus();
  }
  if (d.code === "E_CARD_NOT_LINKED")
    text += "<br>患者さんが希望すれば、このカードリーダーで今すぐ初回登録（健康保険証としての利用登録）ができます（暗証番号が必要です）。" +
      "登録しない場合は、マイナポータルでの登録を案内し、今回は保険証または資格確認書で受付してください。";
  msg.innerHTML = '<div class="alert error" data-code="' + esc(d.code) + '">' + text + "</div>";
  if (d.code === "E_CARD_NOT_LINKED") offerLink(card);
  loadCards(true);
});

// ---- 初回登録 at this card reader (R-CARD-1) ----
// Only the card's id is remembered between the steps, never a PIN.
function offerLink(card) {
  const box = $("card-link");
  box.innerHTML = '<div class="link-box" data-testid="link-box">' +
    '<button type="button" class="secondary" id="link-offer">このカードリーダーで初回登録する</button>' +
    '<form id="link-form" novalidate hidden>' +
    "<p>患者さんご本人に、マイナンバーカードの暗証番号（数字4桁）を入力していただいてください。</p>" +
    '<label for="link-pin">初回登録の暗証番号</label>' +
    '<input type="password" id="link-pin" inputmode="numeric" autocomplete="off" maxlength="4" placeholder="4桁の数字">' +
    '<div class="field-error" id="link-pin-error"></div>' +
    '<button type="submit" class="primary" id="link-submit">初回登録</button>' +
    "</form></div>";
  $("link-offer").addEventListener("click", () => {
    $("link-offer").hidden = true;
    $("link-form").hidden = false;
    $("link-pin").focus();
  });
  $("link-form").addEventListener("submit", (ev) => { ev.preventDefault(); linkCard(card); });
}
async function linkCard(card) {
  const pinField = $("link-pin");
  const pin = pinField.value.trim();
  $("link-pin-error").textContent = "";
  pinField.removeAttribute("aria-invalid");
  if (!/^[0-9]{4}$/.test(pin)) {
    $("link-pin-error").textContent = "暗証番号は4桁の数字です";
    pinField.setAttribute("aria-invalid", "true");
    pinField.focus();
    return;
  }
  $("link-submit").disabled = true;
  const r = await api("/api/card-links", { card, pin });
  pinField.value = "";
  $("link-submit").disabled = false;
  loadCards(true);
  if (!r.ok) {
    const d = r.data;
    let text = esc(d.detail || "初回登録できませんでした");
    if (typeof d.pinRetriesLeft === "number" && d.code === "E_CARD_PIN")
      text += "<br><b>残りの入力回数：" + d.pinRetriesLeft + "回</b>";
    $("link-pin-error").innerHTML = text;
    pinField.setAttribute("aria-invalid", "true");
    if (d.code === "E_CARD_PIN") pinField.focus();
    else $("link-form").querySelectorAll("input, button").forEach((e) => { e.disabled = true; });
    return;
  }
  // The refusal above it no longer applies.
  $("card-message").innerHTML = "";
  $("card-link").innerHTML = '<div class="alert info" data-testid="link-done">' +
    "<b>初回登録が完了しました。続けて資格確認できます。</b>" +
    "<br>上の「暗証番号」欄に、もう一度暗証番号を入力していただいてから「資格確認する」を押してください。" +
    '<button type="button" class="primary" id="link-confirm">資格確認する</button></div>';
  $("link-confirm").addEventListener("click", () => confirmAfterLink(card));
  selectCardPin(card);
  $("pin").focus();
}
// The same card, by PIN; the PIN is asked again in the usual field.
function selectCardPin(card) {
  $("card-select").value = card;
  document.querySelector('input[name=method][value=pin]').checked = true;
  syncMethod();
}
function confirmAfterLink(card) {
  selectCardPin(card);
  if (!/^[0-9]{4}$/.test($("pin").value.trim())) {
    $("pin-error").textContent = "暗証番号（4桁）をもう一度入力してください";
    $("pin").setAttribute("aria-invalid", "true");
    $("pin").focus();
    return;
  }
  $("card-form").requestSubmit();
}

// ---- number entry ----
function clearFieldErrors() {
  for (const f of FIELDS) { $(f + "-error").textContent = ""; $(f).removeAttribute("aria-invalid"); }
}
function fieldError(f, m) { $(f + "-error").textContent = m; $(f).setAttribute("aria-invalid", "true"); }
$("numbers-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearFieldErrors();
  $("numbers-message").innerHTML = "";
  const v = Object.fromEntries(FIELDS.map((f) => [f, $(f).value.trim()]));
  let bad = false;
  if (!v.insurerNumber) { fieldError("insurerNumber", "保険者番号を入力してください"); bad = true; }
  if (!v.number) { fieldError("number", "番号を入力してください"); bad = true; }
  if (!v.birthdate) { fieldError("birthdate", "生年月日を入力してください"); bad = true; }
  if (bad) { $(FIELDS.find((f) => $(f).getAttribute("aria-invalid"))).focus(); return; }
  $("numbers-submit").disabled = true;
  resultBusy();
  const r = await api("/api/number-confirmations", { ...v, limitConsent: $("limitConsent").checked });
  $("numbers-submit").disabled = false;
  if (r.ok) { showView(r.data); return; }
  resultIdle();
  const d = r.data;
  if (Array.isArray(d.errors) && d.errors.length) {
    for (const e of d.errors) if (FIELDS.includes(e.field)) fieldError(e.field, e.detail);
    const first = d.errors.find((e) => FIELDS.includes(e.field));
    if (first) $(first.field).focus();
  }
  $("numbers-message").innerHTML = '<div class="alert error" data-code="' + esc(d.code) + '">' +
    esc(d.detail || "資格確認できませんでした") + "</div>";
});

// ---- result ----
const BANNER_NOTE = {
  valid: "資格が確認できました。",
  invalid: "この保険証の資格は確認日に有効ではありません。",
  "invalid-newer": "この保険証は無効ですが、新しい資格が登録されています。",
  "not-found": "入力された情報に該当する資格が見つかりません。",
  multiple: "複数の資格が該当しました。枝番を入力して確認し直してください。",
};
function row(label, value, cls) {
  return "<tr><th>" + label + "</th><td" + (cls ? ' class="' + cls + '"' : "") + ">" + value + "</td></tr>";
}
function period(from, to) {
  if (!from && !to) return '<span class="muted">—</span>';
  return esc(from || "") + " 〜 " + esc(to || "");
}
function consentLine(name, c) {
  if (!c || !c.given) return "<li>" + name + "：同意なし</li>";
  return "<li>" + name + "：同意あり" + (c.availableUntil ? "（閲覧可能期限 " + esc(fmtTime(c.availableUntil)) + "）" : "") + "</li>";
}
// 和暦 of YYYYMMDD (the eras from 明治; 元年 for the first year), as the terminal writes dates.
const ERAS = [["令和", "20190501"], ["平成", "19890108"], ["昭和", "19261225"], ["大正", "19120730"], ["明治", "18680125"]];
function wareki(d) {
  if (!/^[0-9]{8}$/.test(d || "")) return d || "";
  const era = ERAS.find((e) => d >= e[1]);
  if (!era) return d;
  const y = Number(d.slice(0, 4)) - Number(era[1].slice(0, 4)) + 1;
  return era[0] + (y === 1 ? "元" : y) + "年" + Number(d.slice(4, 6)) + "月" + Number(d.slice(6, 8)) + "日";
}
function fmtTime(t) {
  // YYYYMMDDhhmmss → 令和N年M月D日 hh:mm
  if (!/^[0-9]{14}$/.test(t || "")) return t || "";
  return wareki(t.slice(0, 8)) + " " + t.slice(8, 10) + ":" + t.slice(10, 12);
}
function patientTable(p, view) {
  let h = '<table class="patient" data-testid="patient">';
  h += row("シメイ", esc(p.nameKana));
  h += row("氏名", esc(p.name), "big");
  h += row("性別", esc(p.sex));
  h += row("生年月日", esc(p.birthdateWareki || wareki(p.birthdate)));
  h += row("年齢", p.age === undefined || p.age === null ? "—" : esc(p.age) + "歳");
  h += row("資格確認日", esc(view.confirmationDateWareki || view.confirmationDate));
  h += row("保険者番号", esc(p.insurerNumber));
  h += row("保険者名", esc(p.insurerName));
  h += row("記号・番号・枝番", esc(p.symbol || "—") + "　" + esc(p.number) + "　" + esc(p.branch || "—"));
  h += row("患者区分", esc(p.patientCategory), "big");
  if (p.cardClassification) h += row("証の種類", esc(p.cardClassification));
  h += row("資格取得年月日", esc(p.qualificationDate || "—"));
  if (p.disqualificationDate) h += row("資格喪失年月日", esc(p.disqualificationDate));
  h += row("交付年月日", esc(p.issuanceDate || "—"));
  h += row("有効期限", period(p.validFrom, p.validTo));
  if (p.postNumber || p.address) h += row("住所", (p.postNumber ? "〒" + esc(p.postNumber) + " " : "") + esc(p.address));
  h += "</table>";
  if (p.elderly) {
    h += '<div class="block" data-testid="elderly"><h3>高齢受給者証</h3>一部負担金の割合 : ' + esc(p.elderly.ratio) +
      "　有効期間 : " + period(p.elderly.validFrom, p.elderly.validTo) + "</div>";
  }
  if (p.limit) {
    h += '<div class="block" data-testid="limit"><h3>限度額適用認定証</h3>適用区分 : ' + esc(p.limit.classification) +
      "　有効開始日 : " + esc(p.limit.validFrom || "—") + "　有効終了日 : " + esc(p.limit.validTo || "—") +
      "<br>証区分 : " + esc(p.limit.certificate) + "</div>";
  }
  if (Array.isArray(p.specificDiseases) && p.specificDiseases.length) {
    h += '<div class="block" data-testid="specific"><h3>特定疾病療養受療証</h3><ul>';
    for (const s of p.specificDiseases)
      h += "<li>" + esc(s.classification) + "　自己負担限度額 " + esc(s.selfPay) + "　" + period(s.validFrom, s.validTo) + "</li>";
    h += "</ul></div>";
  }
  return h;
}
function showView(view) {
  const box = $("result");
  const state = view.state || "not-found";
  let h = '<div class="banner ' + esc(state) + '" data-testid="validity" data-validity="' + esc(view.validity) + '">' +
    esc(view.validityLabel) + "<small>" + esc(BANNER_NOTE[state] || "") + "　確認方法：" +
    esc(view.route === "card" ? "マイナンバーカード（" + (METHOD[view.method] || view.method) + "）" : "保険証の番号入力") +
    "</small></div>";
  for (const g of view.guidance || [])
    h += '<div class="guidance" data-case="' + esc(g.case) + '"><h3>' + esc(g.title) + "</h3><p>" + esc(g.text) + "</p></div>";
  const results = view.results || [];
  if (results.length > 1) {
    h += '<p>該当した資格（' + results.length + "件）</p>";
    results.forEach((p, i) => { h += "<h3>候補 " + (i + 1) + "：" + esc(p.name) + "（枝番 " + esc(p.branch || "—") + "）</h3>" + patientTable(p, view); });
  } else if (results.length === 1) {
    h += patientTable(results[0], view);
  }
  if (results.length && !results.some((p) => p.limit)) {
    const c = view.consents && view.consents.limitApplication;
    h += '<p class="muted" data-testid="limit-hidden">限度額適用認定証の情報：' +
      (c && c.given ? "登録がありません" : "患者さんの同意がないため表示していません（※限度額情報の提供に同意した場合に表示されます）") + "</p>";
  }
  if (view.consents && view.route === "card") {
    h += '<div class="block" data-testid="consents"><h3>同意の状況</h3><ul>' +
      consentLine("限度額情報の提供", view.consents.limitApplication) +
      consentLine("薬剤情報の閲覧", view.consents.medication) +
      consentLine("特定健診情報の閲覧", view.consents.healthCheckup) + "</ul></div>";
  }
  // Only where a face file was written can it be sent again; the path is for the hover.
  if (view.file)
    h += '<p><span class="done" data-testid="file" title="' + esc(view.file) + '">レセコンへ出力済み</span></p>';
  if (view.historyId && view.file)
    h += '<button class="small" data-resend="' + esc(view.historyId) + '">レセコンへ再送</button> <span id="resend-result" role="status"></span>';
  box.innerHTML = h;
  const b = box.querySelector("[data-resend]");
  if (b) b.addEventListener("click", () => resend(b.dataset.resend, $("resend-result")));
  box.focus();
}

// ---- history ----
async function loadHistory() {
  const body = $("history-table").querySelector("tbody");
  body.innerHTML = "";
  const r = await api("/api/history");
  if (!r.ok) { $("history-message").textContent = r.data.detail || "履歴を取得できません"; return; }
  const entries = r.data.entries || [];
  $("history-message").textContent = entries.length ? "" : "本日の資格確認はまだありません。";
  for (const e of entries) {
    const tr = document.createElement("tr");
    const state = { "1": "valid", "2": "invalid", "3": "invalid-newer", "4": "not-found", "5": "multiple" }[e.validity] || "";
    tr.innerHTML = "<td>" + esc(e.time) + '</td><td class="how">' + esc(ROUTE[e.route] || e.route) +
      (e.method ? "（" + esc(METHOD[e.method] || e.method) + "）" : "") + "</td><td>" + esc(e.name || "—") +
      '</td><td class="what"><span class="badge ' + state + '">' + esc(e.validityLabel) + "</span></td>" +
      '<td><button class="small" data-show="' + esc(e.id) + '">表示</button> ' +
      (e.file ? '<button class="small" data-resend="' + esc(e.id) + '" title="' + esc(e.file) + '">再送</button>' : "") +
      "</td>";
    body.appendChild(tr);
  }
  body.querySelectorAll("[data-show]").forEach((b) => b.addEventListener("click", async () => {
    const v = await api("/api/history-entry?id=" + encodeURIComponent(b.dataset.show));
    if (v.ok) showView(v.data); else $("history-message").textContent = v.data.detail || "表示できません";
  }));
  body.querySelectorAll("[data-resend]").forEach((b) => b.addEventListener("click", () =>
    resend(b.dataset.resend, $("history-message"))));
}
async function resend(id, out) {
  const r = await api("/api/resend?id=" + encodeURIComponent(id), {});
  out.textContent = r.ok ? "レセコンへ再送しました" : (r.data.detail || "再送できませんでした");
  out.title = r.ok ? r.data.file : "";
}

$("result").tabIndex = -1;
resultIdle();
syncMethod();
loadTerminal();
setInterval(loadTerminal, 10000);
loadCards(false);
</script>
</body>
</html>
)PAGE";
}

}  // namespace onshi::terminal
