// The patient's portal script (index.html): it only formats what the portal's JSON API returns
// (docs/portal.md) and never sees a My Number. The session is an HttpOnly cookie the script
// cannot read; every state-changing request carries the CSRF token the portal handed out at
// sign-in (GET /api/session gives it again after a reload). PIN fields are emptied as soon as
// their request is sent. Markup is built with classes only and listeners added from script,
// as the Content-Security-Policy requires.
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) =>
  ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const TABS = ["card", "qualifications", "medication", "checkups", "treatments", "accesses", "consents", "expenses"];
let csrf = "";

async function api(path, body) {
  const init = body === undefined ? {} :
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: { code: "E_CONNECT", detail: "ポータルに接続できません。" } };
  }
  let data;
  try { data = await res.json(); } catch { data = { code: "E_RESPONSE", detail: "応答を読めませんでした" }; }
  if (res.status === 401 && path !== "/api/sign-in") showSignIn();
  return { ok: res.ok, status: res.status, data };
}

// YYYYMMDD or YYYYMMDDHHmmss → 2025年4月15日 (10:30)
function day(s) {
  if (!s || s.length < 8) return "—";
  const d = `${s.slice(0, 4)}年${Number(s.slice(4, 6))}月${Number(s.slice(6, 8))}日`;
  return s.length >= 12 ? `${d} ${s.slice(8, 10)}:${s.slice(10, 12)}` : d;
}
const ratio = (r) => r ? `${Number(r) / 10}割` : "—";
const FAMILY = { "1": "本人", "2": "家族" };

// ---- sign-in ----
function showSignIn() {
  csrf = "";
  $("signin").hidden = false;
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  loadCards();
}

function showApp(label) {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = label ? `${label} さん` : "";
  selectTab("card");
}

async function loadCards() {
  const r = await api("/api/cards");
  const sel = $("signin-card");
  sel.innerHTML = "";
  for (const c of (r.ok ? r.data.cards : [])) {
    const o = document.createElement("option");
    o.value = c.id;
    o.textContent = c.label + (c.locked ? "（ロック中）" : "");
    sel.appendChild(o);
  }
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const pin = $("signin-pin").value;
  $("signin-pin").value = "";
  $("signin-error").textContent = "";
  const r = await api("/api/sign-in", { card: $("signin-card").value, pin });
  if (!r.ok) {
    const left = r.data.pinRetriesLeft;
    $("signin-error").textContent = (r.data.detail || "サインインできませんでした") +
      (left > 0 && r.data.code === "E_CARD_PIN" ? `（残り${left}回）` : "");
    loadCards();
    return;
  }
  csrf = r.data.csrf;
  showApp(r.data.label);
});

$("sign-out").addEventListener("click", async () => {
  await api("/api/sign-out", { csrf });
  showSignIn();
});

// ---- tabs ----
// What each tab loads when opened; the pages in their own files add theirs (expenses.js).
const LOADERS = {};
function selectTab(name) {
  for (const t of TABS) {
    $("tab-" + t).setAttribute("aria-selected", String(t === name));
    $("panel-" + t).hidden = t !== name;
  }
  const load = LOADERS[name];
  if (load) load(); else window.OnshiPortalClinical.open(name); // clinical.js
}
for (const t of TABS) $("tab-" + t).addEventListener("click", () => selectTab(t));

// ---- 健康保険証利用登録 ----
async function loadCard() {
  const r = await api("/api/me/card");
  if (!r.ok) { $("card-state").textContent = r.data.detail || "取得できませんでした"; return; }
  const c = r.data;
  const q = c.qualification ? c.qualification.qualification : null;
  $("card-state").innerHTML = `<div class="card ${c.linked ? "current" : ""}" id="card-linked">
    <p><span class="badge ${c.linked ? "current" : ""}">${c.linked ? "登録済み" : "未登録"}</span>
    ${c.linked ? `健康保険証として利用できます（登録日時 ${esc(day(c.linkedAt))}）` :
    "このカードはまだ健康保険証として利用登録されていません。"}</p>
    ${q ? `<dl><dt>保険者</dt><dd>${esc(q.insurerName)}（${esc(q.insurerNumber)}）</dd>
      <dt>資格取得日</dt><dd>${esc(day(q.qualificationDate))}</dd></dl>` : ""}</div>`;
  $("link-form").hidden = c.linked;
}

$("link-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const pin = $("link-pin").value;
  $("link-pin").value = "";
  $("link-error").textContent = "";
  const r = await api("/api/me/link", { csrf, pin });
  if (!r.ok) {
    const left = r.data.pinRetriesLeft;
    $("link-error").textContent = (r.data.detail || "登録できませんでした") +
      (left > 0 && r.data.code === "E_CARD_PIN" ? `（残り${left}回）` : "");
    return;
  }
  loadCard();
});

// ---- 資格情報 ----
function qualificationCard(entry) {
  const q = entry.qualification || {};
  const period = `${day(q.qualificationDate)} 〜 ${q.disqualificationDate ? day(q.disqualificationDate) : ""}`;
  return `<div class="card qualification ${entry.current ? "current" : ""}">
    <p>${entry.current ? '<span class="badge current">現在の資格</span>' : ""}
    ${entry.medicalAid ? '<span class="badge">医療扶助</span>' : ""}
    <strong>${esc(q.insurerName || "")}</strong></p>
    <dl><dt>保険者番号</dt><dd>${esc(q.insurerNumber)}</dd>
    <dt>記号・番号・枝番</dt><dd>${esc([q.insuredCardSymbol, q.insuredIdentificationNumber, q.insuredBranchNumber].filter(Boolean).join("・"))}</dd>
    <dt>本人・家族</dt><dd>${esc(FAMILY[q.personalFamilyClassification] || "—")}</dd>
    <dt>期間</dt><dd>${esc(period)}</dd>
    <dt>一部負担金の割合</dt><dd>${esc(ratio(q.insuredPartialContributionRatio))}</dd>
    ${q.limitApplication ? `<dt>限度額適用認定証</dt><dd>${esc(q.limitApplication.limitApplicationCertificateClassificationFlag || "あり")}</dd>` : ""}
    ${(q.specificDiseases || []).length ? `<dt>特定疾病療養受療証</dt><dd>${q.specificDiseases.length}件</dd>` : ""}
    </dl></div>`;
}

async function loadQualifications() {
  const r = await api("/api/me/qualifications");
  if (!r.ok) { $("qualifications").textContent = r.data.detail || "取得できませんでした"; return; }
  const list = r.data.qualifications;
  $("qualifications").innerHTML = list.length ? list.map(qualificationCard).join("") :
    '<p class="empty">登録されている資格情報はありません。</p>';
}

// ---- 閲覧履歴 ----
const BASIS = { consent: "本人の同意", disaster: "災害時の特例", "": "—" };

async function loadAccesses() {
  const params = {
    from: $("accesses-from").value.replaceAll("-", ""),
    to: $("accesses-to").value.replaceAll("-", ""),
    institution: $("accesses-institution").value.trim(),
  };
  const q = Object.entries(params).filter(([, v]) => v)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  $("accesses-error").textContent = "";
  const r = await api("/api/me/accesses" + (q ? "?" + q : ""));
  if (!r.ok) { $("accesses-error").textContent = r.data.detail || "取得できませんでした"; return; }
  const rows = r.data.accesses.map((a) => `<tr class="access">
    <td>${esc(day(a.time))}</td>
    <td>${esc(a.institutionName || "（名称未登録）")}<br>${esc(a.institutionCode)}</td>
    <td>${esc(a.whatLabel)}${a.allowed ? "" : ' <span class="badge refused">拒否</span>'}</td>
    <td>${esc(a.methodLabel)}</td>
    <td>${esc(a.allowed ? (BASIS[a.basis] ?? a.basis) : a.basis)}</td></tr>`);
  $("accesses").innerHTML = rows.length ?
    `<table><thead><tr><th>日時</th><th>医療機関</th><th>見た情報</th><th>方法</th><th>根拠</th></tr></thead>
    <tbody>${rows.join("")}</tbody></table>` : '<p class="empty">該当する記録はありません。</p>';
}
$("accesses-filter").addEventListener("submit", (e) => { e.preventDefault(); loadAccesses(); });

// ---- 同意の管理 ----
async function loadConsents() {
  const r = await api("/api/me/consents");
  if (!r.ok) { $("consents").textContent = r.data.detail || "取得できませんでした"; return; }
  const list = r.data.consents;
  $("consents").innerHTML = list.length ? list.map((c, i) => `<div class="card consent">
    <p><strong>${esc(c.institutionName || "（名称未登録）")}</strong>（${esc(c.institutionCode)}）</p>
    <dl><dt>情報</dt><dd>${esc(c.categoryLabel)}</dd>
    <dt>同意日時</dt><dd>${esc(day(c.consentedAt))}</dd>
    <dt>有効期限</dt><dd>${esc(day(c.availableUntil))}</dd></dl>
    <form class="withdraw" data-index="${i}"><button type="submit">同意を取り消す</button></form></div>`).join("") :
    '<p class="empty">有効な同意はありません。</p>';
  for (const f of document.querySelectorAll("form.withdraw")) {
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const c = list[Number(f.dataset.index)];
      const w = await api("/api/me/withdraw", { csrf, institution: c.institutionCode, category: c.category });
      $("consents-error").textContent = w.ok ? "" : (w.data.detail || "取り消せませんでした");
      loadConsents();
    });
  }
}

// ---- start ----
(async () => {
  const s = await api("/api/session");
  if (s.ok && s.data.signedIn) {
    csrf = s.data.csrf;
    showApp(s.data.label);
  } else {
    showSignIn();
  }
})();
Object.assign(LOADERS, { card: loadCard, qualifications: loadQualifications,
  accesses: loadAccesses, consents: loadConsents });
