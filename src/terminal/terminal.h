// The institution terminal as one process (資格確認端末): it holds the institution's
// certificate, talks mTLS to the central service, runs the folder bridge for the receipt
// computer (bridge.h), plays the card reader for the simulated My Number cards in --cards,
// writes face files, keeps today's history, and serves the reception screen and its JSON API
// on loopback only (docs/terminal.md has the API; `onshi terminal` and `onshi demo` run it).
//
// Contract:
//  * open() checks the options and reads the institution code from the certificate
//    (security::identity_of_pem) when `institution_code` is empty; it opens the bridge
//    (creating req/ res/ face/ work/) and the history folder. The screen server is plain HTTP
//    and only on a loopback host (127.0.0.1, ::1, localhost); anything else is refused with
//    E_FLAG (field "listen") — the screen shows patients' coverage without a sign-in.
//  * start() binds the screen server (E_LISTEN) and starts the bridge on its own thread.
//    port() is the bound port after start(). stop() stops both and joins; wait() blocks until
//    stop() is called (from any thread) or SIGINT/SIGTERM arrives when handle_signals() was
//    called. The destructor stops.
//  * Every call to the central service uses an http::Client taken from a small pool (a Client
//    is not thread-safe; screen requests run on two I/O threads).
//  * Card confirmation (R-CONF-1): a challenge from POST /v1/card/challenges, the card (a file
//    in --cards, or `onshi card touch` through /api/reader/*) checks the PIN and signs, then
//    POST /v1/card/confirmations?format=xml. A successful one writes
//    face/OQSsiquc01res_face_<10-digit code><20 hex>_<yyyyMMddHHmmss>.xml in the bridge's
//    encoding (declaration and CharacterCodeIdentifier follow it; UTF-8 when a character has
//    no Shift_JIS form), written under work/ and renamed, so a reader never sees half a file.
//  * 初回登録 at the reader (R-CARD-1): POST /api/card-links (a card in --cards, the PIN) or
//    /api/reader/link (`onshi card touch --link`) → a challenge, the card checks the PIN and
//    signs, POST /v1/card/links. Nothing is written to face/ or the history.
//  * Number confirmation (R-CONF-2): every field is validated before anything is sent; a
//    request with errors reaches neither the central service nor the history.
//  * History: each confirmation of the day is appended to history/YYYYMMDD.jsonl (the result
//    document and how it was made); the API shows today's, newest first, across restarts.
//  * Sign-in (terminal/users.h, R-CONF-5): POST /api/sign-in checks an account of
//    FOLDER/users.json and opens a session (HttpOnly cookie, ended after session_minutes
//    unused); coverage needs none, clinical requests (/api/clinical/…) need one and name its
//    account to the central service.
//  * The My Number never reaches the terminal. Logs (core/log.h) carry routes, result codes
//    and file names — never names, card numbers or birth dates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "terminal/bridge.h"

namespace onshi::terminal {

struct TerminalOptions {
  BridgeOptions bridge;                  // folder, encoding, and the central service's client
  std::string listen_host = "127.0.0.1"; // loopback only
  uint16_t listen_port = 0;              // 0 = ephemeral (see port())
  std::filesystem::path cards_dir;       // card files *.card for the screen's card picker ("" = none)
  std::string institution_code;          // "" = read from bridge.client.cert_file
  std::string central_url;               // shown by GET /api/terminal ("" = https://HOST:PORT)
  int session_minutes = 30;              // a sign-in ends after this long without use
};

class Terminal {
 public:
  // Errors: E_FLAG (field "listen": not loopback), E_FILE (the certificate cannot be read),
  // E_CERT_PARSE / E_CERT_SUBJECT (not an institution certificate), E_TERMINAL_IO (folders).
  static Result<std::unique_ptr<Terminal>> open(TerminalOptions options);
  ~Terminal();

  Status start();          // E_LISTEN
  uint16_t port() const;   // the screen server's port, after start()
  void wait();             // until stop() or (after handle_signals()) SIGINT/SIGTERM
  void handle_signals();
  void stop();             // idempotent

  const std::string& institution_code() const;

  struct Impl;

 private:
  Terminal();
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::terminal
