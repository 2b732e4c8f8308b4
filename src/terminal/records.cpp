// What the terminal records and shows of itself: face files (the card route's result for
// the receipt computer, written under work/ and renamed into face/), today's history with
// the View of each entry, 「再送」 of an entry's face file, and GET /api/terminal with
// whether the central service answers. The View itself is computed in view.h.
#include <fstream>
#include <random>

#include "core/date.h"
#include "core/log.h"
#include "core/numbers.h"
#include "terminal/detail.h"
#include "terminal/view.h"

namespace onshi::terminal {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFacePrefix = "OQSsiquc01res_face_";

std::string random_hex(size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng() & 0xFF);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

}  // namespace

// Writes the result into face/ (re-encoded to the configured encoding; UTF-8 when a
// character has no Shift_JIS form). Returns "face/<name>" or an error.
Result<std::string> Terminal::Impl::write_face(const oqs::ConfirmResult& result) {
  auto doc = oqs::write_confirm_result_xml(result, options.bridge.encoding);
  if (!doc) {
    core::log_warn("terminal.encoding", {{"code", doc.error().code}});
    doc = oqs::write_confirm_result_xml(result, core::Encoding::kUtf8);
    if (!doc) return doc.error();
  }
  const std::string name = std::string(kFacePrefix) + institution_code + random_hex(10) + "_" +
                           core::timestamp_jst() + ".xml";
  const fs::path tmp = options.bridge.folder / "work" / (".tmp-" + name);
  const fs::path dst = options.bridge.folder / "face" / name;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(doc->data(), static_cast<std::streamsize>(doc->size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Error{"E_TERMINAL_IO", "face", "face ファイルを書き込めません"};
    }
  }
  std::error_code ec;
  fs::rename(tmp, dst, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{"E_TERMINAL_IO", "face", "face ファイルを置けません: " + ec.message()};
  }
  return "face/" + name;
}

// Records a confirmation (face file for the card route, history) and answers the View.
http::Response Terminal::Impl::finish(const std::string& route, const std::string& method,
                                      const std::string& document, oqs::ConfirmResult result) {
  std::string file;
  if (route == "card") {
    auto f = write_face(result);
    if (f) {
      file = *f;
    } else {
      core::log_error("terminal.error", {{"code", f.error().code}, {"route", route}});
    }
  }
  int64_t id = 0;
  if (auto e = history->append(route, method, file, document)) {
    id = e->id;
  } else {
    core::log_error("terminal.error", {{"code", e.error().code}, {"what", "history"}});
  }
  core::log_info("terminal.confirmation", {{"route", route},
                                           {"method", method},
                                           {"validity", result.qualification_validity},
                                           {"historyId", std::to_string(id)},
                                           {"file", file}});
  ViewContext ctx{id, route, method, file};
  return json_response(200, render_view(result, ctx, core::Date::today_jst()));
}

http::Response Terminal::Impl::history_list(const http::Request&) {
  json::array list;
  for (const auto& e : history->today()) {
    json::object o;
    o["id"] = e.id;
    o["time"] = e.time;
    o["route"] = e.route;
    o["method"] = e.method;
    std::string name, validity;
    if (auto r = oqs::parse_confirm_result_xml(e.document)) {
      if (!r->results.empty()) name = r->results.front().qualification.name;
      validity = r->qualification_validity;
    }
    o["name"] = name;
    o["validity"] = validity;
    o["validityLabel"] = validity_label(validity);
    o["file"] = e.file;
    list.push_back(std::move(o));
  }
  json::object out;
  out["date"] = history->date().yyyymmdd();
  out["entries"] = std::move(list);
  return json_response(200, json::serialize(out));
}

std::optional<HistoryEntry> Terminal::Impl::entry_of(const http::Request& req) {
  std::string id = req.query_param("id");
  if (id.empty() || id.size() > 12 || !core::all_digits(id)) return std::nullopt;
  return history->find(std::stoll(id));
}

http::Response Terminal::Impl::history_entry(const http::Request& req) {
  auto e = entry_of(req);
  if (!e) return api_error(404, "E_NOT_FOUND", "id", "本日の履歴にこの番号はありません");
  auto r = oqs::parse_confirm_result_xml(e->document);
  if (!r) return api_error(500, "E_TERMINAL_RESPONSE", "id", "保存された結果を読めません");
  ViewContext ctx{e->id, e->route, e->method, e->file};
  return json_response(200, render_view(*r, ctx, core::Date::today_jst()));
}

http::Response Terminal::Impl::resend(const http::Request& req) {
  auto e = entry_of(req);
  if (!e) return api_error(404, "E_NOT_FOUND", "id", "本日の履歴にこの番号はありません");
  auto r = oqs::parse_confirm_result_xml(e->document);
  if (!r) return api_error(500, "E_TERMINAL_RESPONSE", "id", "保存された結果を読めません");
  auto f = write_face(*r);
  if (!f) return api_error(500, f.error().code, "", "face フォルダに書き込めません");
  core::log_info("terminal.resend", {{"historyId", std::to_string(e->id)}, {"file", *f}});
  json::object o;
  o["file"] = *f;
  return json_response(200, json::serialize(o));
}

http::Response Terminal::Impl::info(const http::Request&) {
  core::Date today = core::Date::today_jst();
  json::object o;
  o["institutionCode"] = institution_code;
  o["central"] = central_url;
  // null until the start-up check has answered; then whether the last call got through.
  auto code = central->last_code();
  o["centralReachable"] = code ? json::value(code->empty()) : json::value(nullptr);
  if (code && !code->empty()) {
    o["centralCode"] = *code;
    o["centralMessage"] = staff_message(*code);
  }
  std::error_code ec;
  fs::path abs = fs::absolute(options.bridge.folder, ec);
  o["folder"] = (ec ? options.bridge.folder : abs.lexically_normal()).string();
  o["encoding"] = options.bridge.encoding == core::Encoding::kShiftJis ? "shift_jis" : "utf-8";
  o["today"] = today.yyyymmdd();
  o["todayWareki"] = core::to_wareki(today);
  return json_response(200, json::serialize(o));
}

// At start: can the central service be reached with this certificate? A terminal that
// cannot is still useful (history, resend), so it runs, but says so in its log and header.
void Terminal::Impl::check_central() {
  auto r = central->request("GET", "/healthz", "", "");
  if (!r) {
    core::log_warn(
        "terminal.central_unreachable",
        {{"central", central_url}, {"code", r.error().code}, {"error", r.error().message}});
  } else if (r->status != 200) {
    core::log_warn("terminal.central_unhealthy", {{"central", central_url},
                                                  {"status", std::to_string(r->status)},
                                                  {"code", problem_code(r->body)}});
  } else {
    core::log_info("terminal.central_ok", {{"central", central_url}});
  }
}

}  // namespace onshi::terminal
