// The PDF print of a clinical view (FileCategory 1 of the clinical requests, and the screen's
// 「印刷 (PDF)」): each kind of clinical::View — 薬剤情報 by month, 特定健診情報 as a table of
// the values by 年度 with a chart of each numeric item, 診療情報, 処方・調剤情報 — laid out as a
// print::Document and rendered by pdf.h.
//
// The header names the patient (name, kana, birthdate — never a My Number, which a View does
// not carry), the institution and the professional account the view was made for, when it
// was printed and the period shown (the window's start to the view's day). A view made under a
// disaster period says so under the header, as do the 医療扶助 rule for health checks and
// operations left out for want of a surgery consent.
//
// Thread-safe. Errors: those of print::render_pdf (E_PDF_FONT, E_PDF).
#pragma once

#include <string>

#include "clinical/clinical.h"  // ClinicalKind, as views.h uses it
#include "clinical/views.h"
#include "core/status.h"
#include "print/pdf.h"

namespace onshi::print {

// Who and when, for the header.
struct PrintInfo {
  std::string institution;  // 医療機関コード (and name when known)
  std::string account;      // the professional account's id (and role when known)
  std::string printed_at;   // YYYYMMDDHHmmss JST; "" = now
};

// The header's facts from the request the view answered (institution and account).
PrintInfo print_info(const clinical::ViewRequest& request);

// The view as a Document (exposed for tests and for callers that add to it).
Document document_of(const clinical::View& view, const PrintInfo& info);

// The view as PDF bytes: render_pdf(document_of(view, info)).
Result<std::string> render_pdf(const clinical::View& view, const PrintInfo& info);

}  // namespace onshi::print
