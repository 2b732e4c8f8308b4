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
// Results are kept in the database's bulk store (store/bulk.h): the finished OQSmuquc02res
// document, UTF-8, under its reception number and the institution code, for 7 days; older
// ones are removed when a new bulk inquiry arrives. They survive a restart, and 02 may be
// asked of any server on the same database.
// Like the single XML route, every error is answered in-band (HTTP 200, SegmentOfResult 9).
//
// POST /xml/OQSmutic01 (医療扶助, research §2.3) names a MedicalTreatmentMonth instead of
// patients: the units are every recipient with a ticket of that month designating the
// institution (confirm::Confirmer::recipients_of_month), stored and fetched through
// OQSmuquc02 like any bulk result. An institution whose 医療扶助情報 setting is off today is
// refused (E_MEDICAL_AID_NOT_ENABLED).

#include <memory>

#include "confirm/confirm.h"
#include "core/date.h"
#include "core/limits.h"
#include "core/numbers.h"
#include "core/text.h"
#include "oqs/messages.h"
#include "serve/routes.h"
#include "store/bulk.h"

namespace onshi::serve {
namespace {

constexpr size_t kMaxPatients = 10000;

// A store failure as the institution sees it (the store's own message stays in the log).
bool is_store_error(const Error& e) { return e.code.rfind("E_STORE", 0) == 0; }

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
  receipt.header = oqs::error_result(h, e).header;
  return xml_response(oqs::write_bulk_receipt_xml(receipt, core::Encoding::kUtf8));
}

http::Response refuse_result(const oqs::BulkResultRequest& r, const Error& e) {
  oqs::BulkResult result;
  oqs::RequestHeader h;
  h.medical_institution_code = r.medical_institution_code;
  result.header = oqs::error_result(h, e).header;
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
  return core::check_length(core::kArbitraryFileIdentifierLimit, h.arbitrary_file_identifier);
}

// Confirms every search of the request, one unit each; `normal` counts the units answered
// normally.
oqs::BulkResult confirm_all(confirm::Confirmer& confirmer, const oqs::BulkRequest& bulk,
                            const confirm::Caller& caller, size_t& normal) {
  oqs::BulkResult result;
  result.units.reserve(bulk.searches.size());
  normal = 0;
  for (const oqs::SearchInfo& s : bulk.searches) {
    oqs::ConfirmResult one = confirmer.confirm(oqs::ConfirmRequest{bulk.header, s}, caller);
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
  return result;
}

// The result document's header (its reception number is set when the document is stored).
void fill_result_header(oqs::ResultHeader& h, const oqs::RequestHeader& request,
                        const std::string& stamp, size_t units, size_t normal) {
  h.process_execution_time = stamp;
  h.qualification_confirmation_date = request.qualification_confirmation_date;
  h.medical_institution_code = request.medical_institution_code;
  h.arbitrary_file_identifier = request.arbitrary_file_identifier;
  h.segment_of_result = "1";
  h.number_of_processing_result = std::to_string(units);
  h.number_of_normal_processing = std::to_string(normal);
  h.number_of_error = std::to_string(units - normal);
}

// The receipt (OQSmuqre01) of a stored result.
oqs::BulkReceipt receipt_for(const oqs::RequestHeader& request, const std::string& stamp,
                             const std::string& reception_number) {
  oqs::BulkReceipt receipt;
  receipt.header.process_execution_time = stamp;
  receipt.header.medical_institution_code = request.medical_institution_code;
  receipt.header.arbitrary_file_identifier = request.arbitrary_file_identifier;
  receipt.header.segment_of_result = "1";
  receipt.reception_number = reception_number;
  receipt.reception_date_time = stamp;
  receipt.processing_result_status = "1";
  return receipt;
}

// Stores `result` under a new reception number and answers its receipt.
http::Response store_result(store::BulkStore& receptions, const http::Request& req,
                            const oqs::RequestHeader& header, oqs::BulkResult& result,
                            size_t normal) {
  const int64_t now = core::now_unix_us();
  const std::string stamp = core::timestamp_jst(now);
  fill_result_header(result.header, header, stamp, result.units.size(), normal);
  auto number = receptions.add(req.peer.id, now, [&](const std::string& n) {
    result.header.reception_number = n;
    return oqs::write_bulk_result_xml(result, core::Encoding::kUtf8);
  });
  if (!number && is_store_error(number.error()))
    return refuse_receipt(header, Error{"E_STORE", "", "一括照会の結果を保存できませんでした"});
  if (!number) return refuse_receipt(header, number.error());
  return xml_response(
      oqs::write_bulk_receipt_xml(receipt_for(header, stamp, *number), core::Encoding::kUtf8));
}

// POST /xml/OQSmuquc01: confirms every search now, stores the result under a new reception
// number and answers the receipt.
http::Response receive_bulk(store::BulkStore& receptions, confirm::Confirmer& confirmer,
                            security::AuditLog& audit, const http::Request& req) {
  auto parsed = oqs::parse_bulk_request_xml(req.body);
  if (!parsed) return refuse_receipt(oqs::RequestHeader{}, parsed.error());
  const oqs::BulkRequest& bulk = *parsed;
  if (Status st = check_header(bulk.header, req.peer.id); !st) {
    if (st.error().code == "E_INSTITUTION_MISMATCH") audit_refusal(audit, req, st.error().code);
    return refuse_receipt(bulk.header, st.error());
  }
  if (bulk.searches.size() > kMaxPatients)
    return refuse_receipt(bulk.header, Error{"E_TOO_MANY", "QualificationConfirmSearchInfo",
                                             "1回に照会できるのは10,000件までです"});
  size_t normal = 0;
  oqs::BulkResult result = confirm_all(confirmer, bulk, confirm::Caller{req.peer.id}, normal);
  return store_result(receptions, req, bulk.header, result, normal);
}

// POST /xml/OQSmutic01: the recipients of a month with a ticket designating the institution.
http::Response receive_medical_aid_bulk(store::BulkStore& receptions, confirm::Confirmer& confirmer,
                                        security::AuditLog& audit, const http::Request& req) {
  auto parsed = oqs::parse_medical_aid_bulk_request_xml(req.body);
  if (!parsed) return refuse_receipt(oqs::RequestHeader{}, parsed.error());
  oqs::RequestHeader header = parsed->header;
  const core::Date today = core::Date::today_jst();
  header.qualification_confirmation_date = today.yyyymmdd();  // the request carries no date
  if (Status st = check_header(header, req.peer.id); !st) {
    if (st.error().code == "E_INSTITUTION_MISMATCH") audit_refusal(audit, req, st.error().code);
    return refuse_receipt(parsed->header, st.error());
  }
  auto month = confirmer.recipients_of_month(confirm::Caller{req.peer.id},
                                             parsed->medical_treatment_month, today);
  if (!month && is_store_error(month.error()))
    return refuse_receipt(parsed->header,
                          Error{"E_STORE", "", "医療扶助の情報を参照できませんでした"});
  if (!month) return refuse_receipt(parsed->header, month.error());
  oqs::BulkResult result;
  result.units = std::move(month->units);
  header.qualification_confirmation_date = month->date.yyyymmdd();
  return store_result(receptions, req, header, result, result.units.size());
}

// POST /xml/OQSmuquc02: the stored result of a reception number, for the institution that
// made it.
http::Response answer_result(store::BulkStore& receptions, security::AuditLog& audit,
                             const http::Request& req) {
  auto parsed = oqs::parse_bulk_result_request_xml(req.body);
  if (!parsed) return refuse_result(oqs::BulkResultRequest{}, parsed.error());
  const oqs::BulkResultRequest& r = *parsed;
  if (r.medical_institution_code != req.peer.id) {
    audit_refusal(audit, req, "E_INSTITUTION_MISMATCH");
    return refuse_result(r, Error{"E_INSTITUTION_MISMATCH", "MedicalInstitutionCode",
                                  "医療機関コードが証明書の医療機関コードと一致しません"});
  }
  // Another institution's number is answered like an unknown one: its existence is not told.
  auto doc = receptions.get(r.reception_number, req.peer.id);
  if (!doc) return refuse_result(r, Error{"E_STORE", "", "一括照会の結果を読み出せませんでした"});
  if (!*doc)
    return refuse_result(r, Error{"E_RECEPTION_NOT_FOUND", "ReceptionNumber",
                                  "受付番号が見つかりません（保存期間は7日間です）"});
  http::Response res;
  res.content_type = "application/xml; charset=UTF-8";
  res.body = std::move(**doc);
  return res;
}

}  // namespace

void add_bulk_routes(http::Router& router, Context& ctx) {
  store::BulkStore* receptions = &ctx.db.bulk();
  auto confirmer = std::make_shared<confirm::Confirmer>(
      ctx.store, ctx.audit, confirm::MedicalAidSources{&ctx.db.institutions(), &ctx.db.tickets()});
  security::AuditLog* audit = &ctx.audit;
  router.add("POST", "/xml/OQSmuquc01", {core::Role::kInstitution},
             [receptions, confirmer, audit](const http::Request& req) {
               return receive_bulk(*receptions, *confirmer, *audit, req);
             });
  router.add("POST", "/xml/OQSmutic01", {core::Role::kInstitution},
             [receptions, confirmer, audit](const http::Request& req) {
               return receive_medical_aid_bulk(*receptions, *confirmer, *audit, req);
             });
  router.add("POST", "/xml/OQSmuquc02", {core::Role::kInstitution},
             [receptions, audit](const http::Request& req) {
               return answer_result(*receptions, *audit, req);
             });
}

}  // namespace onshi::serve
