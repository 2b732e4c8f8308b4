// The institution terminal's folder bridge: how a receipt computer (レセコン) that only
// writes and reads files reaches the central service (research onshi-interface §1, §1.1, §5).
//
// The bridge owns a folder with four subfolders, created when missing:
//   req/   the receipt computer writes requests here (Shift_JIS or UTF-8, as each file's XML
//          declaration says)
//   res/   the bridge writes each result here under the request's name with `req` → `res`
//          (same tail), in the configured encoding with the matching declaration and
//          `CharacterCodeIdentifier` (0 UTF-8, 1 Shift_JIS)
//   face/  results of card confirmations (not written yet)
//   work/  the bridge's own: requests being sent, and result files before they are renamed
//
// The request kinds (one table in bridge.cpp: prefix → route, request check, result codec):
//   req/OQSsiquc01req_<tail>.xml → POST /xml/OQSsiquc01 → res/OQSsiquc01res_<tail>.xml
//        individual inquiry by card data (R-CONF-2)
//   req/OQSmuquc01req_<tail>.xml → POST /xml/OQSmuquc01 → res/OQSmuquc01res_<tail>.xml
//        bulk inquiry (一括照会) upload, answered with the 受付結果 carrying ReceptionNumber
//   req/OQSmuquc02req_<tail>.xml → POST /xml/OQSmuquc02 → res/OQSmuquc02res_<tail>.xml
//        bulk result download for a ReceptionNumber: one BulkConfirmUnit per patient (about
//        2 KB each; re-encoded as text rather than parsed and rewritten, which for 10,000
//        patients would cost more than the rest of the round trip)
//   req/OQSmutic01req_<tail>.xml → POST /xml/OQSmutic01 → res/OQSmutic01res_<tail>.xml
//        医療扶助 bulk inquiry for a MedicalTreatmentMonth (research §2.3), answered with the
//        受付結果; its BulkConfirmUnits (the month's recipients) come by OQSmuquc02 as above
// The bulk calls wait up to 300 s for the service (the confirmations of up to 10,000
// patients are done while it answers OQSmuquc01), and the bridge handles one file at a time:
// single requests dropped meanwhile wait behind a bulk upload.
//
// Contract:
//  * A request is taken only when complete, and never unless it reads as a whole document.
//    Complete means one of:
//     - req/ is watched (Linux inotify; BridgeOptions::watch, on by default) and the file was
//       renamed into req/ (IN_MOVED_TO) or its writer closed it after writing (IN_CLOSE_WRITE),
//       with no write since. Such a file is taken at the next scan, and the event wakes run()
//       at once, so its result follows within the bridge's own work, not a poll interval.
//     - otherwise (a writer that keeps the file open, a network share that reports no events,
//       files already there at start, events lost to a queue overflow, no watch at all): its
//       size and mtime are unchanged across scans at least `poll_ms` apart.
//    A file that stays unreadable (bad XML, wrong encoding) is taken once it has been
//    unchanged for `settle_ms`, so a writer that pauses mid-file is never read early, yet a
//    broken file is answered. IN_CREATE and IN_MODIFY only wake the scan; they never make a
//    file complete (a later write withdraws a completion event).
//  * run() waits for events with poll() and a timeout of `poll_ms` (in 20 ms slices, to see
//    `stop`), so the periodic scan, requests in work/ and retries go on between events. When
//    the watch cannot be set up, or is lost (req/ removed), the bridge polls only and logs
//    terminal.watch_unavailable once.
//  * A taken request is renamed into work/ before anything is sent; it leaves work/ only
//    after its result has been renamed into res/. Files found in work/ when the bridge opens
//    are processed again — unless res/ already holds a newer result for the same tail (the
//    bridge stopped between the two renames), so a restart loses nothing and re-sends
//    nothing that was answered. (A request whose answer was lost in transit — the bridge
//    stopped, or a timeout, after the service handled it — is sent again: for OQSmuquc01 this
//    yields a second ReceptionNumber with the same results.)
//  * Result files are written under work/ and renamed into res/: a reader never sees half.
//  * An unreadable request gets a result of its own message type (OQSsiquc01res,
//    OQSmuquc01res, OQSmuquc02res) with SegmentOfResult 9, ErrorCode and ErrorMessage
//    (`<element>: <message>`) and no body; so does a request the service refuses at the HTTP
//    level (E_TERMINAL_HTTP) or answers with something that is not a result of that type
//    (E_TERMINAL_RESPONSE). Errors the service answers in-band (e.g. E_RECEPTION_NOT_FOUND
//    for an unknown ReceptionNumber) are passed on, re-encoded. Nothing is dropped silently.
//  * When the service cannot be reached (E_CONNECT, E_TLS, E_HTTP, an HTTP 5xx) the request
//    stays in work/ and is retried with exponential backoff (from `poll_ms` up to
//    `max_backoff_ms`); each failure is logged (event terminal.retry).
//  * Files in req/ whose names match none of the kinds above are left alone.
// Log events (JSON lines on stderr, core/log.h): terminal.started (with `watch`: inotify or
// poll), terminal.watch_unavailable, terminal.watch_overflow, terminal.result, terminal.retry,
// terminal.error. A file name and error code are logged, never content.
//
// A Bridge is single-threaded: poll_once() and run() must not be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/status.h"
#include "core/text.h"
#include "http/client.h"

namespace onshi::terminal {

struct BridgeOptions {
  std::filesystem::path folder;            // the OQS folder (req/, res/, face/, work/ inside)
  http::ClientOptions client;              // the central service and the institution's certificate
  core::Encoding encoding = core::Encoding::kUtf8;  // of result files
  int poll_ms = 200;                       // scan interval of run()
  int settle_ms = 3000;                    // an unreadable file is answered after this quiet time
  int max_backoff_ms = 30000;              // ceiling of the retry backoff
  bool watch = true;                       // watch req/ with inotify (Linux); false: poll only
};

// `--server https://HOST:PORT` → host and port. Errors: E_FLAG (field "server").
Result<std::pair<std::string, uint16_t>> parse_server_url(std::string_view url);

// Client options from a certificate folder as `onshi ca issue institution … --out DIR`
// writes it (cert.pem, key.pem, ca.pem). Errors: E_FILE (field = the missing file's name).
Result<http::ClientOptions> client_options_from_cert_dir(const std::filesystem::path& cert_dir,
                                                         std::string host, uint16_t port);

class Bridge {
 public:
  // Creates the subfolders and removes stale temporary files from work/.
  // Errors: E_TERMINAL_IO (field = the folder that cannot be created).
  static Result<std::unique_ptr<Bridge>> open(BridgeOptions options);
  ~Bridge();

  // One scan: first the requests in work/ that are due, then the complete requests in req/
  // (after reading the watch's pending events, without blocking). Returns the number of
  // result files written.
  int poll_once();
  // poll_once() after every watch event in req/, and at the latest every poll_ms, until
  // `stop` becomes true.
  void run(const std::atomic<bool>& stop);
  // True while req/ is watched (inotify set up and not lost).
  bool watching() const { return watch_fd_ >= 0; }

 private:
  explicit Bridge(BridgeOptions options);
  struct Seen {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    std::chrono::steady_clock::time_point since;  // when this size/mtime was first seen
    bool unreadable = false;  // read at this size/mtime (no event since) and it did not parse
  };
  struct Retry {
    std::chrono::steady_clock::time_point due;
    int backoff_ms = 0;
  };
  // Sends one request in work/ and writes its result; true when a result was written.
  bool process(const std::filesystem::path& work_file);
  // Writes res/<name> through work/ (a reader never sees half a file).
  bool write_result(const std::string& name, const std::string& document);
  // Reads the watch's pending events without blocking and updates closed_.
  void drain_events();
  // Waits up to poll_ms for a watch event (or just sleeps when not watching) while !stop.
  void wait(const std::atomic<bool>& stop);
  // Stops watching (the fd is closed) and logs terminal.watch_unavailable, once.
  void unwatch(const std::string& reason);

  BridgeOptions options_;
  http::Client client_;       // single requests: options_.client as given
  http::Client bulk_client_;  // OQSmuquc01/02: the same, with the bulk timeout
  std::map<std::string, Seen> seen_;    // req/ file name → last observed state
  std::map<std::string, Retry> retry_;  // work/ file name → next attempt
  int watch_fd_ = -1;                   // inotify on req/, or -1 (polling only)
  bool watch_logged_ = false;           // terminal.watch_unavailable was logged
  std::set<std::string> closed_;        // req/ names closed or renamed in, not written since
};

}  // namespace onshi::terminal
