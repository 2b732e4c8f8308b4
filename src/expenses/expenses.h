// 医療費通知情報 for the person: a year of their expenses (the clinical store's kind
// "expenses", loaded by insurers) per month and institution with the year's totals, and the
// yearly statement for the 医療費控除 as CSV, PDF and an XML file signed by the service.
//
// The one decision: a statement is made from the store at the moment it is asked for and
// signed then; nothing of it is kept. The XML carries an enveloped XML-DSig signature
// (ECDSA P-256 / SHA-256, exclusive C14N, xmlsec1 with OpenSSL) made with the service's
// document-signing key DIR/ca/statement.key, whose certificate DIR/ca/statement.pem the
// service's CA issues the first time a statement is signed (the CA key itself signs no
// document). The signature's KeyInfo carries that certificate, so anyone holding the CA
// certificate (DIR/ca/ca.pem) can check a statement: `verify_statement`,
// `onshi expenses verify`. The format is onshi's own (docs/portal.md), modelled on the items
// the 医療費通知 must show to stand for the receipts (厚生労働省 事務連絡 令和3年12月24日).
//
// Only the rows inside the kind's viewing window are read (the store's windows table). Never
// a My Number: a row keeps the person link and card key, and the statement shows neither.
// Thread-safe (signing initialises xmlsec once per process).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "store/database.h"

namespace onshi::expenses {

// One month at one institution, as the insurer loaded it.
struct Line {
  std::string month;             // YYYYMM (診療年月)
  std::string institution_code;  // 医療機関コード
  std::string institution_name;
  std::string category;  // "1" 医科, "3" 歯科, "4" 調剤
  int days = 0;
  int64_t total_cost = 0;     // 医療費の総額 (yen)
  int64_t patient_share = 0;  // 窓口負担額 (yen)
};
// "医科" / "歯科" / "調剤" for the Category code, "" for another.
std::string_view category_label(std::string_view code);

struct Statement {
  int year = 0;
  std::string name, birthdate;  // as the rows give them (the qualification's)
  std::string from;             // YYYYMMDD: the first day the window lets the person see
  std::vector<Line> lines;      // month ascending, then institution code, then category
  int64_t total_cost = 0, patient_share = 0;
  int days = 0;
  std::string made_at;  // YYYYMMDDHHmmss JST
};

// The person's rows of `year` (YYYY) within the viewing window as of `today`. Errors:
// E_EXPENSE_YEAR (field year: not 4 digits, before 1900 or after today's year), E_STORE.
Result<Statement> statement_of(store::Database& db, const std::string& person_link,
                               std::string_view year, core::Date today = core::Date::today_jst());

// {"year","name","birthdate","from","lines":[{"month","institutionCode","institutionName",
//  "category","categoryLabel","days","totalCost","patientShare"}],"totals":{…}}
std::string to_json(const Statement& s);
// UTF-8 with a BOM (so that Excel opens it as UTF-8), CRLF lines: a header row, one row a
// line, and a 合計 row. Columns in docs/portal.md.
std::string to_csv(const Statement& s);
// A4 PDF (print/pdf.h). Errors: E_PDF_FONT, E_PDF.
Result<std::string> to_pdf(const Statement& s);
// The XML statement signed with the data directory's document-signing key (made on first
// use, see above). Errors: E_CA_MISSING (no CA in DIR), E_CRYPTO, E_IO.
Result<std::string> to_signed_xml(const Statement& s, const std::filesystem::path& data_dir);

// What a good signature vouches for.
struct Verified {
  std::string signer;  // the signing certificate's subject
  int year = 0;
  int lines = 0;
};
// Checks an XML statement's signature against DIR/ca/ca.pem. Errors: E_EXPENSE_SIGNATURE
// (not a statement, no signature, a changed byte, or a certificate not from this CA),
// E_CA_MISSING.
Result<Verified> verify_statement(std::string_view xml, const std::filesystem::path& data_dir);

}  // namespace onshi::expenses
