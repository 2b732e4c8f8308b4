// The 閲覧履歴 tab's download (index.html): the person's own audit entries with the service's
// signed statement of them and of the chain's head (GET /api/me/audit-entries, relayed from
// the central service's /v1/me/audit-entries; docs/audit.md says how to check it). The file
// is saved as audit-entries-YYYYMMDD.json through a Blob link; nothing is shown inline.
"use strict";
document.getElementById("audit-download").addEventListener("click", async () => {
  const error = document.getElementById("audit-download-error");
  error.textContent = "";
  let res;
  try {
    res = await fetch("/api/me/audit-entries");
  } catch {
    error.textContent = "ポータルに接続できません。";
    return;
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = "ダウンロードできませんでした";
    try { detail = JSON.parse(text).detail || detail; } catch { /* not JSON */ }
    error.textContent = detail;
    return;
  }
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "");
  const a = document.createElement("a");
  a.href = window.URL.createObjectURL(new window.Blob([text], { type: "application/json" }));
  a.download = `audit-entries-${day}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  window.URL.revokeObjectURL(a.href);
});
