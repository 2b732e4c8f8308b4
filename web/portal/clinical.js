// The portal's 薬剤情報, 健診情報 and 診療情報 tabs (index.html; portal.js opens them): the
// person's own data from GET /api/me/clinical/{kind} (relayed from the central service's
// /v1/me/clinical/{kind}, the professional view's JSON with basis "self", docs/portal.md),
// drawn with the reception screen's own tables and SVG charts (/shared/clinical-views.js):
// 薬剤情報 by month, newest first, with the institution and the days; 健診情報 as a table by
// 年度 and a chart of each value over the years with its reference range shaded; 診療情報 by
// day and institution. Markup uses classes only, as the Content-Security-Policy requires; a
// session that ended at the service sends the page back to the sign-in (a reload).
"use strict";
window.OnshiPortalClinical = (() => {
  const C = window.OnshiClinical;
  let current = "";

  async function get(kind) {
    let res;
    try {
      res = await fetch("/api/me/clinical/" + kind);
    } catch {
      return { ok: false, status: 0, data: { detail: "ポータルに接続できません。" } };
    }
    let data;
    try { data = await res.json(); } catch { data = { detail: "応答を読めませんでした" }; }
    return { ok: res.ok, status: res.status, data };
  }

  async function open(kind) {
    current = kind;
    const box = document.getElementById("clinical-" + kind);
    if (!box || !C.render[kind]) return;
    box.innerHTML = '<p class="note">読み込み中…</p>';
    const r = await get(kind);
    if (current !== kind) return; // another tab was chosen meanwhile
    if (r.status === 401) {
      window.location.reload();
      return;
    }
    if (!r.ok) {
      box.innerHTML = '<p class="error" role="alert">' + C.esc(r.data.detail || "取得できませんでした") + "</p>";
      return;
    }
    const v = r.data;
    let h = '<p class="note">対象期間 ' + C.slash(v.from) + " 〜 " + C.slash(v.asOf) + "</p>";
    if (v.medicalAidRule)
      h += '<p class="note">医療扶助の受給者のため、令和6年4月以降に受診した健診情報のみ表示しています。</p>';
    box.innerHTML = h + '<div class="clinical-scroll">' + C.render[kind](v) + "</div>";
    if (kind === "checkups") C.drawCharts(v.series || []);
  }

  return { open };
})();
