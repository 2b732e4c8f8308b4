// The reception screen's script (index.html): it only formats what the terminal's JSON API
// returns (docs/terminal.md) — dates arrive already in 和暦, guidance texts arrive from the
// terminal, and the page never sees a My Number. Each QualificationValidity gets a coloured
// banner with what to do next (R-CONF-7); the result panel follows the layout of the
// confirmation screen published with the system (患者情報: シメイ, 氏名, 性別, 生年月日, 年齢,
// 保険者番号・名称, 記号・番号・枝番, 患者区分, 資格取得年月日, 交付年月日, 有効期限, then the
// 限度額適用認定証 block only with the patient's consent, R-CONF-4).
//
// A card without 初回登録 (E_CARD_NOT_LINKED) is offered 初回登録 right at the reader
// (R-CARD-1): the patient enters the PIN in a field of its own, POST /api/card-links links the
// card, and 「資格確認する」 runs the card confirmation again with the same card after the
// PIN is entered once more in the usual field. The page never keeps a PIN: every PIN field is
// emptied as soon as its request is sent.
//
// Sign-in (R-CONF-5): a doctor, dentist or pharmacist signs in with the form at the top; the
// session is an HttpOnly cookie the script never reads. After a card confirmation a signed-in
// account sees, per category, whether the central service lets it view the clinical
// information (GET /api/clinical/consent-status) — the service decides from the account's
// role and the patient's consent, the screen only shows the answer. The clinical views
// themselves are clinical.js: this script tells it the patient with the document event
// "onshi:patient" ({patient, session} after the consent status, null when the result goes). Markup built here uses classes only (no style
// attributes) and listeners added from script (no inline handlers), as the CSP requires.
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
  } catch {
    return { ok: false, status: 0, data: { code: "E_CONNECT", detail: "端末に接続できません。端末のソフトウェアが起動しているか確認してください。" } };
  }
  let data;
  try { data = await res.json(); } catch { data = { code: "E_RESPONSE", detail: "端末の応答を読めませんでした" }; }
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
function announce(detail) { document.dispatchEvent(new window.CustomEvent("onshi:patient", { detail })); }
function resultBusy() { announce(null); $("result").innerHTML = '<div class="empty" data-testid="busy">確認中…</div>'; }
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
               healthCheckup: $("consent-checkup").checked, treatment: $("consent-treatment").checked,
               surgery: $("consent-surgery").checked } };
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
  msg.innerHTML = '<div class="alert error" data-code="' + esc(d.code) + '">' + text + "</div>" +
    (d.code === "E_CARD_NO_QUALIFICATION" ? noMyNumberNote() : "");
  if (d.code === "E_CARD_NOT_LINKED") offerLink(card);
  loadCards(true);
});

// R-CONF-8 個人番号の未提出: the card finds no qualification because the insurer holds no My
// Number for the holder; the 保険証's numbers are then the right ones.
function noMyNumberNote() {
  return '<div class="paper-card" data-case="no-my-number"><h3>保険者に個人番号が未提出の可能性があります</h3>' +
    "<p>加入している保険者に個人番号（マイナンバー）を提出していない方は、マイナンバーカードでは資格が見つかりません。" +
    "保険証（資格確認書）の記号・番号で資格を確認し、その内容で受付してください（システム上の情報より保険証が正しい例外事例です）。" +
    "患者さんには、加入している保険者へ個人番号を届け出るよう案内してください。</p></div>";
}

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
    if (d.code === "E_CARD_NO_QUALIFICATION") $("card-link").insertAdjacentHTML("beforeend", noMyNumberNote());
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
// 医療扶助 (a recipient's result): the office, the tickets, 委託/未委託/未登録 and the next step.
// The 受給者番号 is shown only when the central service sent it (委託).
function medicalAidBlock(a) {
  let h = '<div class="block aid ' + esc(a.state) + '" data-testid="medical-aid" data-state="' + esc(a.state) +
    '"><h3>医療扶助（' + esc(a.stateLabel) + "）</h3>";
  h += "<p>福祉事務所 : " + esc(a.office) + "　公費負担者番号 : " + esc(a.publicExpenseNumber) + "</p>";
  h += '<p data-testid="recipient-number">受給者番号 : ' +
    (a.recipientNumber ? esc(a.recipientNumber) : '<span class="muted">表示されません</span>') + "</p>";
  for (const t of a.tickets || []) {
    if (!t.designated) {
      h += "<p>" + esc(t.month) + "の医療券（調剤券）：当院（当薬局）は指定医療機関ではありません</p>";
      continue;
    }
    h += '<div class="ticket" data-testid="ticket"><strong>' + esc(t.type) + "（" + esc(t.month) + "）</strong>" +
      "　交付番号 " + esc(t.issueNumber) + "　有効期間 " + period(t.validFrom, t.validTo) +
      "<br>指定医療機関 : " + esc(t.designatedName) + "（" + esc(t.designatedCode) + "）" +
      (t.prescriptionIssuer ? "　処方箋発行元 : " + esc(t.prescriptionIssuer) : "") +
      "<br>傷病名 : " + esc((t.injuries || []).join("、") || "—") + "　診療別 : " + esc(t.treatmentType || "—") +
      "　本人支払額 : " + esc(t.selfPay || "—") + "　単独・併用 : " + esc(t.singleOrCombined || "—") +
      (t.districtContact ? "<br>地区担当員 : " + esc(t.districtContact) : "") +
      (t.handlingContact ? "　取扱担当者 : " + esc(t.handlingContact) : "") +
      ((t.remarks || []).length ? "<br>備考 : " + esc(t.remarks.join("　")) : "") + "</div>";
  }
  h += '<p class="next" data-testid="medical-aid-next">' + esc(a.next) + "</p></div>";
  return h;
}
function patientTable(p, view) {
  if (p.medicalAid) return aidTable(p, view);
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
function aidTable(p, view) {
  let h = '<table class="patient" data-testid="patient">';
  h += row("シメイ", esc(p.nameKana));
  h += row("氏名", esc(p.name), "big");
  h += row("性別", esc(p.sex));
  h += row("生年月日", esc(p.birthdateWareki || wareki(p.birthdate)));
  h += row("年齢", p.age === undefined || p.age === null ? "—" : esc(p.age) + "歳");
  h += row("資格確認日", esc(view.confirmationDateWareki || view.confirmationDate));
  h += row("患者区分", esc(p.patientCategory), "big");
  if (p.qualificationDate) h += row("保護開始日", esc(p.qualificationDate));
  h += "</table>";
  return h + medicalAidBlock(p.medicalAid);
}
function showView(view) {
  announce(null);
  const box = $("result");
  const state = view.state || "not-found";
  let h = '<div class="banner ' + esc(state) + '" data-testid="validity" data-validity="' + esc(view.validity) + '">' +
    esc(view.validityLabel) + "<small>" + esc(BANNER_NOTE[state] || "") + "　確認方法：" +
    esc(view.route === "card" ? "マイナンバーカード（" + (METHOD[view.method] || view.method) + "）" : "保険証の番号入力") +
    "</small></div>";
  for (const g of view.guidance || [])
    h += '<div class="guidance" data-case="' + esc(g.case) + '"><h3>' + esc(g.title) + "</h3><p>" + esc(g.text) + "</p></div>";
  // R-CONF-8: where the certificate the patient holds, not the system, is right.
  for (const g of view.paperCard || [])
    h += '<div class="paper-card" data-case="' + esc(g.case) + '"><h3>' + esc(g.title) + "</h3><p>" + esc(g.text) + "</p></div>";
  const results = view.results || [];
  if (results.length > 1 && results.some((p) => p.medicalAid)) {
    // 医療保険 and 医療扶助 (併用): insurance first, as the central service orders them.
    results.forEach((p) => { h += "<h3>" + (p.medicalAid ? "医療扶助" : "医療保険") + "</h3>" + patientTable(p, view); });
  } else if (results.length > 1) {
    h += '<p>該当した資格（' + results.length + "件）</p>";
    results.forEach((p, i) => { h += "<h3>候補 " + (i + 1) + "：" + esc(p.name) + "（枝番 " + esc(p.branch || "—") + "）</h3>" + patientTable(p, view); });
  } else if (results.length === 1) {
    h += patientTable(results[0], view);
  }
  if (results.length && !results.some((p) => p.limit) && !results.every((p) => p.medicalAid)) {
    const c = view.consents && view.consents.limitApplication;
    h += '<p class="muted" data-testid="limit-hidden">限度額適用認定証の情報：' +
      (c && c.given ? "登録がありません" : "患者さんの同意がないため表示していません（※限度額情報の提供に同意した場合に表示されます）") + "</p>";
  }
  if (view.consents && view.route === "card") {
    h += '<div class="block" data-testid="consents"><h3>同意の状況</h3><ul>' +
      consentLine("限度額情報の提供", view.consents.limitApplication) +
      consentLine("薬剤情報の閲覧", view.consents.medication) +
      consentLine("特定健診情報の閲覧", view.consents.healthCheckup) +
      consentLine("診療情報の閲覧", view.consents.treatment) +
      consentLine("手術情報の閲覧", view.consents.surgery) + "</ul></div>";
  }
  if (results.length === 1 && view.route === "card")
    h += '<div class="block" data-testid="clinical" id="clinical"><h3>診療情報等の閲覧</h3><p class="muted">確認中…</p></div>';
  // Only where a face file was written can it be sent again; the path is for the hover.
  if (view.file)
    h += '<p><span class="done" data-testid="file" title="' + esc(view.file) + '">レセコンへ出力済み</span></p>';
  if (view.historyId && view.file)
    h += '<button class="small" data-resend="' + esc(view.historyId) + '">レセコンへ再送</button> <span id="resend-result" role="status"></span>';
  box.innerHTML = h;
  const b = box.querySelector("[data-resend]");
  if (b) b.addEventListener("click", () => resend(b.dataset.resend, $("resend-result")));
  box.focus();
  if (results.length === 1 && view.route === "card") loadClinical(results[0]);
}

// ---- sign-in and the clinical block (R-CONF-5) ----
let session = null;
function showSession(s) {
  session = s.signedIn ? s : null;
  if (!session) announce(null);
  $("signin-form").hidden = !!s.signedIn;
  $("signed-in").hidden = !s.signedIn;
  $("signed-in-as").textContent = s.signedIn ? "サインイン中：" + s.roleLabel + "　" + (s.name || s.id) : "";
}
async function loadSession() {
  const r = await api("/api/session");
  if (r.ok) showSession(r.data);
}
$("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("signin-error").textContent = "";
  const r = await api("/api/sign-in", { id: $("signin-id").value.trim(), password: $("signin-password").value });
  $("signin-password").value = "";
  if (!r.ok) { $("signin-error").textContent = r.data.detail || "サインインできませんでした"; return; }
  showSession(r.data);
});
$("signout").addEventListener("click", async () => { showSession((await api("/api/sign-out", {})).data); });
async function loadClinical(p) {
  const box = $("clinical");
  if (!box) return;
  const q = ["insurerNumber", "symbol", "number", "branch"]
    .map((k) => k + "=" + encodeURIComponent(p[k] || "")).join("&");
  const r = await api("/api/clinical/consent-status?" + q);
  let h = "<h3>診療情報等の閲覧</h3>";
  if (!r.ok) {
    h += '<p class="muted" data-code="' + esc(r.data.code) + '">' + esc(r.data.detail || "確認できませんでした") + "</p>";
  } else {
    h += "<ul>";
    for (const c of r.data.categories || []) {
      h += '<li data-category="' + esc(c.category) + '" data-allowed="' + (c.allowed ? "1" : "0") + '">' + esc(c.label) + "：" +
        (c.allowed ? "閲覧できます" + (c.basis === "disaster" ? "（災害時）" : "") +
          (c.availableUntil && c.basis === "consent" ? "（期限 " + esc(fmtTime(c.availableUntil)) + "）" : "")
          : "閲覧できません　" + esc(c.detail)) + "</li>";
    }
    h += "</ul>";
  }
  box.innerHTML = h;
  if (r.ok && session) announce({ patient: p, session });
}
loadSession();

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
