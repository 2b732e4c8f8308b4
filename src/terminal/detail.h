// Inside the institution terminal (terminal.h): the state its screen routes share
// (Terminal::Impl) and the helpers of its JSON API. Private to src/terminal/ — the layer
// check (src/DEPS) refuses it anywhere else. The routes are grouped one purpose a file:
//   api.cpp        the API's answers (JSON, problem+json errors) and the staff's messages
//   card_routes.cpp card confirmation and 初回登録, by a card of --cards or `onshi card touch`
//   numbers.cpp    number confirmation: every field checked before anything is sent
//   records.cpp    face files, today's history, resend and the terminal's status
//   sign_in.cpp    sign-in of professional accounts, sessions, clinical requests for them
//   clinical_print.cpp the PDF print of a clinical view for the signed-in account
//   terminal.cpp   open, start, stop, the router and the pool of clients
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "card/card.h"
#include "core/dir_lock.h"
#include "core/status.h"
#include "http/client.h"
#include "http/server.h"
#include "oqs/messages.h"
#include "terminal/bridge.h"
#include "terminal/bridge_detail.h"
#include "terminal/history.h"
#include "terminal/terminal.h"
#include "terminal/users.h"

namespace onshi::terminal {

namespace json = boost::json;

// ---- the JSON API's answers (api.cpp) ----

// 200-style JSON answer with Cache-Control: no-store.
http::Response json_response(int status, std::string body);
// An error in the service's shape: application/problem+json (RFC 9457, http/problem.h) with
// code, field and a Japanese detail for front-desk staff, plus `extensions` (pinRetriesLeft,
// errors), and Cache-Control: no-store.
http::Response api_error(int status, const std::string& code, const std::string& field,
                         const std::string& detail, json::object extensions = {});
http::Response bad_json();  // 400 E_JSON_SYNTAX
std::optional<json::object> parse_object(const std::string& body);
// A string member ("" when absent or null); numbers are accepted and written as text.
std::string member(const json::object& o, std::string_view key);
bool flag(const json::object& o, std::string_view key);

// ---- messages for front-desk staff (api.cpp) ----

// The codes of an http::Client that could not reach the central service at all.
bool central_unreachable_code(std::string_view code);
// Japanese, by error code; `retries_left` ≥ 0 adds the PIN tries left.
std::string staff_message(const std::string& code, int retries_left = -1);
// The same for 初回登録 at the reader where it differs from a confirmation's (R-CARD-1).
std::string link_message(const std::string& code, int retries_left = -1);
// The HTTP status of a card error.
int card_error_status(const std::string& code);
// 502 E_CONNECT / E_TLS: a connection-level failure talking to the central service.
http::Response central_unreachable(const Error& e);

// The patient's consent choices at the reader.
struct Consent {
  bool limit = false, medication = false, checkup = false, treatment = false, surgery = false;
};
Consent consent_of(const json::object& body);
json::object consent_json(const Consent& c);

// A few Clients to the central service, lent one per request (a Client is not thread-safe).
class ClientPool {
 public:
  explicit ClientPool(http::ClientOptions options) : options_(std::move(options)) {}
  Result<http::ClientResponse> request(const std::string& method, const std::string& target,
                                       const std::string& body, const std::string& content_type);
  // Whether the last request reached the central service: nullopt before the first one,
  // else "" (it did) or the connection error's code (E_CONNECT, E_TLS, …).
  std::optional<std::string> last_code();

 private:
  http::ClientOptions options_;
  std::mutex mu_;
  std::optional<std::string> last_code_;
  std::vector<std::unique_ptr<http::Client>> idle_;
};

// A signed-in account (sign_in.cpp): ends `lifetime` after its last use.
struct Session {
  std::string id, name, role;
  std::chrono::steady_clock::time_point expires;
  std::chrono::minutes lifetime{30};
};
// The open sessions of this process, by token. Thread-safe.
class Sessions {
 public:
  std::string open(const User& user, std::chrono::minutes lifetime);  // a new token
  std::optional<Session> find(const std::string& token);  // extends it; nullopt when ended
  void close(const std::string& token);

 private:
  std::mutex mu_;
  std::map<std::string, Session> open_;
};

struct Terminal::Impl {
  TerminalOptions options;
  std::string institution_code;
  std::string central_url;
  std::unique_ptr<Bridge> bridge;
  std::unique_ptr<History> history;
  std::unique_ptr<ClientPool> central;
  std::unique_ptr<http::Server> server;
  std::atomic<bool> bridge_stop{false};
  std::thread bridge_thread, central_check_thread;
  core::DirLock folder_lock;  // one terminal per OQS folder
  std::mutex stop_mu;
  bool started = false, stopped = false;

  // ---- records.cpp ----
  // Writes the result into face/ (re-encoded to the configured encoding; UTF-8 when a
  // character has no Shift_JIS form). Returns "face/<name>" or an error.
  Result<std::string> write_face(const oqs::ConfirmResult& result);
  // Records a confirmation (face file for the card route, history) and answers the View.
  http::Response finish(const std::string& route, const std::string& method,
                        const std::string& document, oqs::ConfirmResult result);
  http::Response history_list(const http::Request& req);
  std::optional<HistoryEntry> entry_of(const http::Request& req);
  http::Response history_entry(const http::Request& req);
  http::Response resend(const http::Request& req);
  http::Response info(const http::Request& req);
  // At start: can the central service be reached with this certificate? (log only)
  void check_central();

  // ---- card_routes.cpp ----
  // What `onshi card touch` posts to /api/reader/*: the card's answer to a challenge.
  struct ReaderAnswer {
    std::string challenge, certificate, signature, method;
    json::object body;  // the whole body (consents)
  };
  http::Response present_to_central(const std::string& challenge, const std::string& certificate,
                                    const std::string& signature, const std::string& method,
                                    const Consent& consent);
  Result<std::string> new_challenge();
  http::Response challenge_failed(const Error& e);
  std::variant<ReaderAnswer, http::Response> reader_answer(const http::Request& req);
  http::Response reader_challenge(const http::Request& req);
  http::Response reader_present(const http::Request& req);
  // A card of --cards that signed a fresh challenge.
  struct PlayedCard {
    card::Card card;
    card::Presentation presented;
  };
  std::variant<PlayedCard, http::Response> play_reader(const json::object& body,
                                                       card::Method method, bool link);
  http::Response card_confirmation(const http::Request& req);
  http::Response link_at_central(const std::string& challenge, const std::string& certificate,
                                 const std::string& signature, const std::string& method,
                                 const std::string& label);
  http::Response reader_link(const http::Request& req);
  http::Response card_link(const http::Request& req);
  std::optional<std::filesystem::path> card_path(const std::string& id) const;
  http::Response cards(const http::Request& req);

  // ---- sign_in.cpp ----
  Sessions sessions;
  std::optional<Session> session_of(const http::Request& req);
  http::Response sign_in(const http::Request& req);
  http::Response sign_out(const http::Request& req);
  http::Response session(const http::Request& req);
  http::Response clinical_consent_status(const http::Request& req);

  // ---- clinical_views.cpp ----
  http::Response clinical_view(const http::Request& req, std::string_view kind);

  // ---- numbers.cpp ----
  http::Response number_confirmation(const http::Request& req);

  // ---- clinical_print.cpp ----
  // GET /api/clinical/views/{kind}/pdf: the view's PDF for the signed-in account, made by the
  // central service, answered as a download.
  http::Response clinical_print(const http::Request& req, const std::string& kind);

  // ---- terminal.cpp ----
  http::Router router();
};

}  // namespace onshi::terminal
