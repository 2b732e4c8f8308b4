// The clinical views of the reception screen (R-CONF-5): after a card confirmation with the
// patient's consent, a signed-in doctor, dentist or pharmacist opens 薬剤情報 (by month, newest
// first, with the institution and the days), 健診情報 (a table by 年度 and a chart of each value
// over the years with its reference range shaded), 診療情報 and 処方・調剤情報, and prints each
// as a PDF (「印刷 (PDF)」). A reception account, or nobody signed in, sees no clinical tab.
//
// reception.js tells this script about the patient with the document event "onshi:patient"
// (detail: {patient, session} after the consent status was read, or null when the result is
// replaced or the account signs out). The terminal only forwards to the central service, which
// decides on each request from the account's role and the patient's consent and audits it, so a
// refusal (「同意有効期限切れ」 …) is shown as the service wrote it. The PDF is made by the
// central service too (GET /api/clinical/views/{kind}/pdf) and saved as a download.
//
// The tables and the SVG charts are web/shared/clinical-views.js (served as /shared/…), the
// same code as the patient's portal uses.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const { esc, slash, render: RENDER, drawCharts } = window.OnshiClinical;  // /shared/clinical-views.js
  const KINDS = [
    { kind: "medication", label: "薬剤情報", category: "YZK" },
    { kind: "checkups", label: "健診情報", category: "TKK" },
    { kind: "treatments", label: "診療情報", category: "SRJ" },
    { kind: "prescriptions", label: "処方・調剤情報", category: "YZK" },
  ];
  const PROFESSIONAL = ["doctor", "dentist", "pharmacist"];
  let patient = null;
  let current = "";

  const query = () => ["insurerNumber", "symbol", "number", "branch"]
    .map((k) => k + "=" + encodeURIComponent(patient[k] || "")).join("&");

  function hide() {
    patient = null;
    current = "";
    const box = $("clinical-views");
    box.hidden = true;
    box.innerHTML = "";
  }

  // The tabs for a professional; nothing for a reception account.
  function show(detail) {
    if (!detail || !detail.patient || !detail.session || !PROFESSIONAL.includes(detail.session.role)) {
      hide();
      return;
    }
    patient = detail.patient;
    const box = $("clinical-views");
    let h = "<h2>診療情報等の閲覧</h2>" +
      '<nav class="tabs clinical-tabs" role="tablist" aria-label="診療情報等">';
    for (const k of KINDS)
      h += '<button role="tab" id="ctab-' + k.kind + '" aria-selected="false" aria-controls="clinical-body" data-kind="' +
        k.kind + '">' + k.label + "</button>";
    h += '</nav><div id="clinical-body" role="tabpanel" data-testid="clinical-body">' +
      '<p class="muted">見る情報を選んでください。</p></div>';
    box.innerHTML = h;
    box.hidden = false;
    box.querySelectorAll("[data-kind]").forEach((b) => b.addEventListener("click", () => open(b.dataset.kind)));
  }

  async function getJson(path) {
    let res;
    try {
      res = await fetch(path);
    } catch {
      return { ok: false, data: { code: "E_CONNECT", detail: "端末に接続できません" } };
    }
    let data;
    try { data = await res.json(); } catch { data = { code: "E_RESPONSE", detail: "端末の応答を読めませんでした" }; }
    return { ok: res.ok, data };
  }

  async function open(kind) {
    if (!patient) return;
    current = kind;
    for (const k of KINDS) $("ctab-" + k.kind).setAttribute("aria-selected", String(k.kind === kind));
    const body = $("clinical-body");
    body.innerHTML = '<p class="muted">読み込み中…</p>';
    const r = await getJson("/api/clinical/views/" + kind + "?" + query());
    if (current !== kind) return; // another tab was chosen meanwhile
    if (!r.ok) {
      body.innerHTML = refusal(r.data);
      return;
    }
    const v = r.data;
    body.innerHTML = heading(kind, v) + (RENDER[kind] || (() => ""))(v);
    body.dataset.kind = kind;
    $("clinical-print").addEventListener("click", () => print(kind));
    if (kind === "checkups") drawCharts(v.series || []);
  }

  function refusal(d) {
    return '<div class="alert error" data-testid="clinical-refusal" data-code="' + esc(d.code) + '">' +
      esc(d.detail || "閲覧できませんでした") + "</div>";
  }

  function heading(kind, v) {
    const label = KINDS.find((k) => k.kind === kind).label;
    let h = '<div class="clinical-head"><h3>' + esc(label) + "</h3>" +
      '<span class="muted">対象期間 ' + slash(v.from) + " 〜 " + slash(v.asOf) + "</span>" +
      '<button type="button" class="small" id="clinical-print">印刷 (PDF)</button>' +
      '<span id="clinical-print-message" role="status"></span></div>';
    if (v.basis === "disaster")
      h += '<div class="alert info" data-testid="clinical-disaster">災害時の閲覧です（患者さんの同意なしに閲覧しています）。</div>';
    if (v.medicalAidRule)
      h += '<p class="muted">医療扶助の受給者のため、令和6年4月以降に受診した健診情報のみ表示しています。</p>';
    if (v.operationsHidden)
      h += '<p class="muted">手術情報の閲覧に同意がないため、手術の行為は表示していません。</p>';
    return h;
  }


  // ---- 印刷 (PDF) ----
  async function print(kind) {
    const out = $("clinical-print-message");
    out.textContent = "PDF を作成中…";
    let res;
    try {
      res = await fetch("/api/clinical/views/" + kind + "/pdf?" + query());
    } catch {
      out.textContent = "端末に接続できません";
      return;
    }
    if (!res.ok) {
      const d = await res.json().catch(() => ({}));
      out.textContent = d.detail || "印刷できませんでした";
      return;
    }
    const blob = await res.blob();
    const url = window.URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = "onshi-" + kind + ".pdf";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => window.URL.revokeObjectURL(url), 10000);
    out.textContent = "PDF を保存しました";
  }

  document.addEventListener("onshi:patient", (ev) => show(ev.detail));
})();
