// The patient's own portal as one process (`onshi portal`, R-CARD-1, R-CARD-2): it holds a
// `portal` certificate, talks mTLS to the central service's /v1/me/… routes, plays the card
// reader for the card files in --cards, and serves its pages (web/portal/) and their JSON API
// over plain HTTP on loopback only. docs/portal.md has the API and the pages.
//
// Contract:
//  * open() reads the certificate (it must say OU=portal: E_CERT_SUBJECT otherwise) and
//    refuses a non-loopback --listen (E_FLAG, field "listen"). start() binds (E_LISTEN);
//    port() is the bound port; wait()/handle_signals()/stop() as the terminal's.
//  * Sign-in (POST /api/sign-in {"card","pin"}): a challenge from the central service, the
//    card checks the PIN (counted in the card file; the third wrong one locks it) and signs,
//    the central service checks the card and opens a person session. The portal keeps that
//    session only in memory, behind a random cookie of its own (`onshi_portal`: HttpOnly,
//    SameSite=Strict, Path=/), and a CSRF token that every state-changing request must carry
//    in its JSON body ("csrf"; E_CSRF otherwise). A session ends after `idle_minutes` unused,
//    at sign-out (also at the central service), or when the portal stops.
//  * Every page's answer carries the strict Content-Security-Policy (no inline script).
//  * The portal never has the My Number; logs carry routes and codes, never names, PINs or
//    numbers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/client.h"

namespace onshi::portal {

struct PortalOptions {
  http::ClientOptions central;           // the central service, with the portal's certificate
  std::string central_url;               // shown by GET /api/portal
  std::string listen_host = "127.0.0.1"; // loopback only
  uint16_t listen_port = 0;              // 0 = ephemeral (see port())
  std::filesystem::path cards_dir;       // the card files (*.card) offered at sign-in
  int idle_minutes = 30;                 // a sign-in ends after this long without use
};

class Portal {
 public:
  // Errors: E_FLAG (listen), E_FILE (the certificate cannot be read), E_CERT_PARSE /
  // E_CERT_SUBJECT (not a portal certificate).
  static Result<std::unique_ptr<Portal>> open(PortalOptions options);
  ~Portal();

  Status start();  // E_LISTEN
  uint16_t port() const;
  void wait();
  void handle_signals();
  void stop();  // idempotent

  struct Impl;

 private:
  Portal();
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::portal
