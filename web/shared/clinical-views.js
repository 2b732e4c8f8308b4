// The tables and charts of the clinical views, shared by the reception screen
// (web/terminal/clinical.js) and the patient's portal (web/portal/clinical.js), which both load
// it as /shared/clinical-views.js before their own script: 薬剤情報 by month (newest first, with
// the institution and the days), 健診情報 as a table by 年度 and a chart of each value over the
// years with its reference range shaded, 診療情報 and 処方・調剤情報 — each from the JSON of a
// clinical view (docs/clinical.md § 見る), the same for a professional and for the person.
//
// The chart is SVG built here (no chart library): the reference range is a shaded band, values
// outside it are red points. Markup uses classes only (no style attributes), as the CSP
// requires. Exposes window.OnshiClinical = {esc, slash, render: {kind: fn(view) → HTML},
// drawCharts(series)} (drawCharts fills the element #charts that the checkups HTML contains).
"use strict";
window.OnshiClinical = (() => {
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const INSTITUTION_KIND = { 1: "医科", 3: "歯科", 4: "調剤" };
  const JUDGEMENT = { H: "高値", L: "低値", A: "異常" };
  const slash = (d) => (/^[0-9]{8}$/.test(d || "") ? d.slice(0, 4) + "/" + d.slice(4, 6) + "/" + d.slice(6, 8) : esc(d));
  const month = (d) => d.slice(0, 4) + "年" + Number(d.slice(4, 6)) + "月";
  const kindOf = (k) => (INSTITUTION_KIND[k] ? "（" + INSTITUTION_KIND[k] + "）" : "");

  const empty = '<p class="muted" data-testid="clinical-empty">該当する情報はありません。</p>';

  // 薬剤情報: one table per month, newest first; a dispensing's date and institution on its first drug.
  function medication(v) {
    const list = v.dispensings || [];
    if (!list.length) return empty;
    let h = "";
    let shown = "";
    for (const d of list) {
      if (month(d.date) !== shown) {
        if (shown) h += "</tbody></table>";
        shown = month(d.date);
        h += '<h4 class="month">' + esc(shown) + '</h4><table class="clinical" data-testid="medication-month">' +
          "<thead><tr><th>調剤日</th><th>医療機関</th><th>医薬品名</th><th>用量</th><th>用法</th><th>日数・回数</th></tr></thead><tbody>";
      }
      (d.drugs || []).forEach((g, i) => {
        h += '<tr data-testid="medication-row">' +
          "<td>" + (i ? "" : slash(d.date)) + "</td><td>" + (i ? "" : esc(d.institutionName) + kindOf(d.institutionKind)) +
          "</td><td>" + esc(g.name) + '</td><td class="num">' + esc(g.quantity) + esc(g.unit) + "</td><td>" + esc(g.usage) +
          '</td><td class="num">' + esc(g.times) + "</td></tr>";
      });
    }
    return h + "</tbody></table>";
  }

  // 健診情報: items × 年度 (oldest on the left), then the charts.
  function checkups(v) {
    const years = (v.checkupYears || []).map((y) => y.fiscalYear).sort((a, b) => a - b);
    if (!years.length) return empty;
    const items = new Map();
    for (const y of v.checkupYears) {
      for (const c of y.checkups || []) {
        for (const i of c.items || []) {
          if (!items.has(i.code)) items.set(i.code, { item: i, byYear: new Map() });
          const e = items.get(i.code);
          if (!e.byYear.has(y.fiscalYear)) e.byYear.set(y.fiscalYear, i); // newest check of the year
        }
      }
    }
    let h = '<table class="clinical" data-testid="checkup-table"><thead><tr><th>項目</th><th>単位</th><th>基準範囲</th>';
    for (const y of years) h += '<th class="num">' + esc(y) + "年度</th>";
    h += "</tr></thead><tbody>";
    for (const code of [...items.keys()].sort()) {
      const e = items.get(code);
      const range = e.item.rangeLow || e.item.rangeHigh ? esc(e.item.rangeLow) + "〜" + esc(e.item.rangeHigh) : "";
      h += '<tr data-testid="checkup-row"><td>' + esc(e.item.name) + "</td><td>" + esc(e.item.unit) + "</td><td>" + range + "</td>";
      for (const y of years) {
        const i = e.byYear.get(y);
        if (!i) { h += "<td></td>"; continue; }
        const j = JUDGEMENT[i.judgement];
        h += '<td class="num' + (j ? " out" : "") + '"' + (j ? ' title="' + j + '"' : "") + ">" +
          esc(i.valueName || i.value) + (j ? " " + esc(i.judgement) : "") + "</td>";
      }
      h += "</tr>";
    }
    h += "</tbody></table>";
    const checks = [];
    for (const y of v.checkupYears) for (const c of y.checkups || []) checks.push(slash(c.date) + " " + esc(c.institutionName));
    h += '<p class="muted">受診した健診：' + checks.join("、") + "</p>";
    h += '<h4>経年変化 <span class="muted">（網掛けは基準範囲、赤い点は範囲外の値）</span></h4><div class="charts" id="charts"></div>';
    return h;
  }

  // 診療情報: per day and institution; operations marked.
  function treatments(v) {
    const list = v.treatments || [];
    if (!list.length) return empty;
    let h = '<table class="clinical" data-testid="treatment-table"><thead><tr><th>診療日</th><th>医療機関</th><th>診療行為</th>' +
      "<th>回数</th><th>傷病名</th></tr></thead><tbody>";
    for (const d of list) {
      (d.procedures || []).forEach((p, i) => {
        h += '<tr data-testid="treatment-row"><td>' + (i ? "" : slash(d.date)) + "</td><td>" +
          (i ? "" : esc(d.institutionName) + kindOf(d.institutionKind)) + "</td><td>" + esc(p.name) +
          (p.operation ? ' <span class="badge operation">手術</span>' : "") + '</td><td class="num">' + esc(p.times) +
          "</td><td>" + (p.diagnoses || []).map(esc).join("、") + "</td></tr>";
      });
    }
    return h + "</tbody></table>";
  }

  // 処方・調剤情報: one block per prescription, its drugs under it.
  function prescriptions(v) {
    const list = v.prescriptions || [];
    if (!list.length) return empty;
    let h = "";
    for (const p of list) {
      h += '<div class="block prescription" data-testid="prescription"><h4>処方箋ID ' + esc(p.id) + "</h4>" +
        "<p>交付 " + slash(p.prescriptionDate) + "　" + esc(p.prescriberName) + "　→　" +
        (p.dispensingDate ? "調剤 " + slash(p.dispensingDate) + "　" + esc(p.dispenserName) : '<span class="badge pending">未調剤</span>') +
        '</p><table class="clinical"><thead><tr><th>RP</th><th>医薬品名</th><th>用量</th><th>用法</th><th>日数・回数</th></tr></thead><tbody>';
      for (const g of p.drugs || [])
        h += '<tr><td class="num">' + esc(g.rp) + "</td><td>" + esc(g.name) + '</td><td class="num">' + esc(g.quantity) +
          esc(g.unit) + "</td><td>" + esc(g.usage) + '</td><td class="num">' + esc(g.times) + "</td></tr>";
      h += "</tbody></table></div>";
    }
    return h;
  }

  const RENDER = { medication, checkups, treatments, prescriptions };

  // ---- the charts (SVG) ----
  const SVG = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function drawCharts(series) {
    const box = document.getElementById("charts");
    if (!box) return;
    for (const s of series) {
      const points = (s.points || []).filter((p) => p.value !== "" && !Number.isNaN(Number(p.value)));
      if (points.length) box.appendChild(chart(s, points));
    }
  }
  function chart(s, points) {
    const W = 320, H = 170, L = 44, R = 12, T = 26, B = 28;
    const low = s.rangeLow === "" || s.rangeLow === undefined ? null : Number(s.rangeLow);
    const high = s.rangeHigh === "" || s.rangeHigh === undefined ? null : Number(s.rangeHigh);
    const values = points.map((p) => Number(p.value));
    let lo = Math.min(...values, ...[low, high].filter((x) => x !== null));
    let hi = Math.max(...values, ...[low, high].filter((x) => x !== null));
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.12;
    lo -= pad; hi += pad;
    const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
    const x = (i) => (points.length === 1 ? (L + W - R) / 2 : L + 10 + (W - L - R - 20) * i / (points.length - 1));
    const svg = el("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img",
      "aria-label": s.name + "の経年変化", "data-testid": "chart", "data-code": s.code });
    svg.appendChild(el("text", { x: 4, y: 16, class: "chart-title" }, s.name + (s.unit ? "（" + s.unit + "）" : "")));
    if (low !== null || high !== null) {
      const top = y(high === null ? hi : high), bottom = y(low === null ? lo : low);
      svg.appendChild(el("rect", { x: L, y: top, width: W - L - R, height: Math.max(0, bottom - top), class: "band",
        "data-testid": "reference-range" }));
    }
    svg.appendChild(el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "frame" }));
    // The axis names the reference range's bounds, or the lowest and highest value without one.
    const ticks = low !== null || high !== null ? [low, high].filter((t) => t !== null) : [Math.min(...values), Math.max(...values)];
    for (const v of ticks) svg.appendChild(el("text", { x: L - 4, y: y(v) + 4, class: "axis", "text-anchor": "end" }, fmt(v)));
    svg.appendChild(el("polyline", { points: values.map((v, i) => x(i) + "," + y(v)).join(" "), class: "line" }));
    values.forEach((v, i) => {
      const out = (low !== null && v < low) || (high !== null && v > high);
      svg.appendChild(el("circle", { cx: x(i), cy: y(v), r: 3.5, class: out ? "point out" : "point" }));
      svg.appendChild(el("text", { x: x(i), y: y(v) - 7, class: "value", "text-anchor": "middle" }, points[i].value));
      svg.appendChild(el("text", { x: x(i), y: H - 10, class: "axis", "text-anchor": "middle" }, slash(points[i].date).slice(0, 7)));
    });
    return svg;
  }
  const fmt = (v) => String(Math.round(v * 100) / 100);

  return { esc, slash, render: RENDER, drawCharts };
})();
