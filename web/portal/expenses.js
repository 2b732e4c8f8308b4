// The portal's 医療費通知情報 page (index.html, tab 医療費通知情報): a year picker (this year and
// the four before — the kind's viewing window), the year's table per month and institution
// with the totals, and the statement's downloads (CSV, PDF, signed XML) as plain links the
// browser fetches with the session cookie. Uses portal.js's $, esc, api and LOADERS.
/* global $, esc, api, LOADERS */
"use strict";
(() => {
  const yen = (n) => `${Number(n).toLocaleString("ja-JP")}円`;
  const month = (m) => `${m.slice(0, 4)}年${Number(m.slice(4, 6))}月`;

  function years() {
    const sel = $("expenses-year");
    if (sel.options.length) return;
    const now = new Date().getFullYear();
    for (let y = now; y > now - 5; --y) {
      const o = document.createElement("option");
      o.value = String(y);
      o.textContent = `${y}年`;
      sel.appendChild(o);
    }
    sel.addEventListener("change", load);
  }

  function links(year) {
    for (const f of ["csv", "pdf", "xml"])
      $("expenses-" + f).href = `/api/me/expenses/statement?year=${year}&format=${f}`;
  }

  async function load() {
    years();
    const year = $("expenses-year").value;
    links(year);
    $("expenses-error").textContent = "";
    const r = await api(`/api/me/expenses?year=${encodeURIComponent(year)}`);
    const box = $("expenses");
    if (!r.ok) {
      box.innerHTML = "";
      $("expenses-error").textContent = r.data.detail || "医療費通知情報を読めませんでした";
      return;
    }
    const lines = r.data.lines || [];
    if (!lines.length) {
      box.innerHTML = `<p class="empty">${esc(year)}年の医療費通知情報はありません。</p>`;
      return;
    }
    const rows = lines.map((l) => `<tr><td>${esc(month(l.month))}</td>` +
      `<td>${esc(l.institutionName)}<br><span class="note">${esc(l.institutionCode)}</span></td>` +
      `<td>${esc(l.categoryLabel)}</td><td class="yen">${esc(l.days)}日</td>` +
      `<td class="yen">${esc(yen(l.totalCost))}</td><td class="yen">${esc(yen(l.patientShare))}</td></tr>`);
    const t = r.data.totals;
    box.innerHTML = `<table id="expenses-table"><thead><tr><th>診療年月</th><th>医療機関</th>` +
      `<th>区分</th><th class="yen">日数</th><th class="yen">医療費の総額</th>` +
      `<th class="yen">窓口負担額</th></tr></thead><tbody>${rows.join("")}` +
      `<tr class="total"><td>合計</td><td></td><td></td><td class="yen">${esc(t.days)}日</td>` +
      `<td class="yen">${esc(yen(t.totalCost))}</td><td class="yen">${esc(yen(t.patientShare))}</td>` +
      `</tr></tbody></table>`;
  }

  LOADERS.expenses = load;
})();
