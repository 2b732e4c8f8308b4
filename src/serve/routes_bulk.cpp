// Routes of the bulk inquiry (一括照会, research onshi-interface §2.2): POST /xml/OQSmuquc01
// takes up to 10,000 patients and answers the 受付結果 with a ReceptionNumber; POST
// /xml/OQSmuquc02 hands the institution that made the request its OQSmuquc02res with one
// BulkConfirmUnit per patient. Role "institution" for both.
//
// Each patient is confirmed by confirm::Confirmer exactly like a single request (same
// validation, same audit entry); an entry that is invalid becomes a unit with
// ProcessingResultStatus 2 and its error code, and does not spoil the others. A header that
// is invalid (institution code other than the certificate's, bad date) refuses the whole
// document. The work is done while 01 is answered, so 02 never sees SegmentOfResult 2.
//
// Results are kept in DIR/bulk.db (SQLite, a table of this feature only): the finished
// OQSmuquc02res document, UTF-8, under its reception number and the institution code, for
// 7 days; older ones are removed when a new bulk inquiry arrives. They survive a restart.
// Like the single XML route, every error is answered in-band (HTTP 200, SegmentOfResult 9).

#include <cstdio>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>

#include "confirm/confirm.h"
#include "core/date.h"
#include "core/numbers.h"
#include "core/text.h"
#include "oqs/messages.h"
#include "serve/routes.h"
#include "store/sqlite.h"

namespace onshi::serve {
namespace {

constexpr size_t kMaxPatients = 10000;
constexpr int64_t kKeepUs = 7LL * 24 * 3600 * 1000000;

using store::sqlite::Stmt;

const char* const kMigrations[] = {R"sql(
CREATE TABLE IF NOT EXISTS bulk_receptions(
  seq INTEGER PRIMARY KEY, reception_number TEXT NOT NULL UNIQUE,
  institution TEXT NOT NULL, created_us INTEGER NOT NULL, document BLOB NOT NULL);
)sql"};

// The reception table. One connection, serialised by `mu`.
class Receptions {
 public:
  ~Receptions() {
    if (db_) sqlite3_close(db_);
  }

  Status open(const std::filesystem::path& file) {
    std::lock_guard lock(mu_);
    store::sqlite::OpenOptions oo;
    oo.full_mutex = true;
    oo.busy_timeout_ms = 5000;
    auto db = store::sqlite::open(file, oo);
    if (!db) return Status::Fail("E_STORE_OPEN", "", "cannot open " + file.string());
    db_ = *db;
    if (auto st = store::sqlite::migrate(db_, kMigrations, "bulk.db"); !st)
      return Status::Fail("E_STORE_OPEN", "", "bulk.db: " + st.error().message);
    return Status::Ok();
  }

  // Allocates a new reception number (YYYYMMDD in JST + 8 digits), has `render` write the
  // document carrying it, and stores that document; returns the number.
  Result<std::string> add(const std::string& institution, int64_t now_us,
                          const std::function<Result<std::string>(const std::string&)>& render) {
    std::lock_guard lock(mu_);
    if (!db_) return Error{"E_STORE", "", "一括照会の結果を保存できませんでした"};
    Stmt(db_, "DELETE FROM bulk_receptions WHERE created_us < ?").i64(1, now_us - kKeepUs).step();
    int64_t seq = 1;
    if (Stmt next(db_, "SELECT COALESCE(MAX(seq),0)+1 FROM bulk_receptions");
        next.step() == SQLITE_ROW)
      seq = next.col_i64(0);
    char digits[16];
    std::snprintf(digits, sizeof digits, "%08lld", static_cast<long long>(seq % 100000000));
    std::string number = core::timestamp_jst(now_us).substr(0, 8) + digits;
    auto rendered = render(number);
    if (!rendered) return rendered.error();
    Stmt insert(db_,
                "INSERT INTO bulk_receptions(seq,reception_number,institution,created_us,document)"
                " VALUES(?,?,?,?,?)");
    insert.i64(1, seq).text(2, number).text(3, institution).i64(4, now_us).blob(5, *rendered);
    if (insert.step() != SQLITE_DONE)
      return Error{"E_STORE", "", "一括照会の結果を保存できませんでした"};
    return number;
  }

  // The stored document of `number` when it belongs to `institution`; nullopt otherwise.
  std::optional<std::string> get(const std::string& number, const std::string& institution) {
    std::lock_guard lock(mu_);
    if (!db_) return std::nullopt;
    Stmt q(db_, "SELECT document FROM bulk_receptions WHERE reception_number=? AND institution=?");
    q.text(1, number).text(2, institution);
    if (q.step() != SQLITE_ROW) return std::nullopt;
    return q.col_blob(0);
  }

 private:
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

http::Response xml_response(Result<std::string> xml) {
  if (!xml) return http::problem(500, xml.error());
  http::Response res;
  res.content_type = "application/xml; charset=UTF-8";
  res.body = std::move(*xml);
  return res;
}

// A refused 01: the header echo with SegmentOfResult 9 and the error, no body.
http::Response refuse_receipt(const oqs::RequestHeader& h, const Error& e) {
  oqs::BulkReceipt receipt;
  receipt.header = confirm::Confirmer::error_result(h, e).header;
  return xml_response(oqs::write_bulk_receipt_xml(receipt, core::Encoding::kUtf8));
}

http::Response refuse_result(const oqs::BulkResultRequest& r, const Error& e) {
  oqs::BulkResult result;
  oqs::RequestHeader h;
  h.medical_institution_code = r.medical_institution_code;
  result.header = confirm::Confirmer::error_result(h, e).header;
  result.header.qualification_confirmation_date.clear();
  result.header.reception_number = r.reception_number;
  return xml_response(oqs::write_bulk_result_xml(result, core::Encoding::kUtf8));
}

// Header checks shared by the whole document (the per-patient ones are the Confirmer's).
Status check_header(const oqs::RequestHeader& h, const std::string& caller) {
  if (auto st = core::check_medical_institution_code(h.medical_institution_code); !st)
    return Status::Fail(st.error().code, "MedicalInstitutionCode", st.error().message);
  if (h.medical_institution_code != caller)
    return Status::Fail("E_INSTITUTION_MISMATCH", "MedicalInstitutionCode",
                        "医療機関コードが証明書の医療機関コードと一致しません");
  auto date = core::Date::parse(h.qualification_confirmation_date);
  if (!date)
    return Status::Fail(date.error().code, "QualificationConfirmationDate", date.error().message);
  if (core::codepoint_count(h.arbitrary_file_identifier) > 50)
    return Status::Fail("E_LENGTH", "ArbitraryFileIdentifier", "任意のファイル識別子は50文字以内です");
  return Status::Ok();
}

}  // namespace

void add_bulk_routes(http::Router& router, Context& ctx) {
  auto receptions = std::make_shared<Receptions>();
  receptions->open(ctx.data_dir / "bulk.db");  // a failure answers E_STORE per request
  auto confirmer = std::make_shared<confirm::Confirmer>(ctx.store, ctx.audit);

  router.add("POST", "/xml/OQSmuquc01", {"institution"},
             [receptions, confirmer](const http::Request& req) {
    auto parsed = oqs::parse_bulk_request_xml(req.body);
    if (!parsed) return refuse_receipt(oqs::RequestHeader{}, parsed.error());
    const oqs::BulkRequest& bulk = *parsed;
    if (Status st = check_header(bulk.header, req.peer.id); !st)
      return refuse_receipt(bulk.header, st.error());
    if (bulk.searches.size() > kMaxPatients)
      return refuse_receipt(bulk.header, Error{"E_TOO_MANY", "QualificationConfirmSearchInfo",
                                               "1回に照会できるのは10,000件までです"});

    oqs::BulkResult result;
    result.units.reserve(bulk.searches.size());
    size_t normal = 0;
    const confirm::Caller caller{req.peer.id};
    for (const oqs::SearchInfo& s : bulk.searches) {
      oqs::ConfirmResult one = confirmer->confirm(oqs::ConfirmRequest{bulk.header, s}, caller);
      oqs::BulkConfirmUnit& u = result.units.emplace_back();
      u.search = s;
      if (one.header.segment_of_result == "9") {
        u.processing_result_status = "2";
        u.processing_result_code = one.header.error_code;
        u.processing_result_message = one.header.error_message;
        continue;
      }
      u.processing_result_status = one.processing_result_status;
      u.processing_result_code = one.processing_result_code;
      u.processing_result_message = one.processing_result_message;
      u.qualification_validity = one.qualification_validity;
      u.results = std::move(one.results);
      if (u.processing_result_status == "1") ++normal;
    }
    const int64_t now = core::now_unix_us();
    const std::string stamp = core::timestamp_jst(now);
    oqs::ResultHeader& h = result.header;
    h.process_execution_time = stamp;
    h.qualification_confirmation_date = bulk.header.qualification_confirmation_date;
    h.medical_institution_code = bulk.header.medical_institution_code;
    h.arbitrary_file_identifier = bulk.header.arbitrary_file_identifier;
    h.segment_of_result = "1";
    h.number_of_processing_result = std::to_string(result.units.size());
    h.number_of_normal_processing = std::to_string(normal);
    h.number_of_error = std::to_string(result.units.size() - normal);
    auto number = receptions->add(req.peer.id, now, [&](const std::string& n) {
      h.reception_number = n;
      return oqs::write_bulk_result_xml(result, core::Encoding::kUtf8);
    });
    if (!number) return refuse_receipt(bulk.header, number.error());

    oqs::BulkReceipt receipt;
    receipt.header.process_execution_time = stamp;
    receipt.header.medical_institution_code = bulk.header.medical_institution_code;
    receipt.header.arbitrary_file_identifier = bulk.header.arbitrary_file_identifier;
    receipt.header.segment_of_result = "1";
    receipt.reception_number = *number;
    receipt.reception_date_time = stamp;
    receipt.processing_result_status = "1";
    return xml_response(oqs::write_bulk_receipt_xml(receipt, core::Encoding::kUtf8));
  });

  router.add("POST", "/xml/OQSmuquc02", {"institution"},
             [receptions](const http::Request& req) {
    auto parsed = oqs::parse_bulk_result_request_xml(req.body);
    if (!parsed) return refuse_result(oqs::BulkResultRequest{}, parsed.error());
    const oqs::BulkResultRequest& r = *parsed;
    if (r.medical_institution_code != req.peer.id)
      return refuse_result(r, Error{"E_INSTITUTION_MISMATCH", "MedicalInstitutionCode",
                                    "医療機関コードが証明書の医療機関コードと一致しません"});
    // Another institution's number is answered like an unknown one: its existence is not told.
    auto doc = receptions->get(r.reception_number, req.peer.id);
    if (!doc)
      return refuse_result(r, Error{"E_RECEPTION_NOT_FOUND", "ReceptionNumber",
                                    "受付番号が見つかりません（保存期間は7日間です）"});
    http::Response res;
    res.content_type = "application/xml; charset=UTF-8";
    res.body = std::move(*doc);
    return res;
  });
}

}  // namespace onshi::serve
