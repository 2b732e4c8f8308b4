// A person's audit entries as a download that anyone can check against the chain (R-CARD-2):
// the entries themselves, the chain's head when they were read, and the service's signature
// over both, so a person or an auditor sees that their entries are in the log without seeing
// anybody else's.
//
// The download is one JSON object (format "onshi-audit-entries/1"):
//   person      the person link in hex (whose entries these are)
//   issuedAt    JST YYYYMMDDHHmmss; issuedUs the same in Unix µs
//   entries     every entry about the person, seq order, each with all the hashed fields:
//               seq, timeUs, actor, action, subject, detail (the exact string), prevHash, hash
//   head        {seq, hash}: the chain's last entry when the download was made
//   statement   the signed text (statement_of below): one line per entry "entry SEQ HASH" and
//               "head SEQ HASH"
//   signature   base64url ECDSA-P256-SHA256 (DER) over the statement, by the service's key
//   certificate the service's certificate (PEM), issued by the data directory's CA
// An entry's hash is security::audit_hash (audit.h) over prevHash and its own fields, so a
// checker recomputes each hash from the entry alone; the signed statement binds those hashes
// and the head. The neighbours' contents are never needed: prevHash is the previous entry's
// hash, whatever that entry was about.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace onshi::security {

struct EntriesDownload {
  std::string person;  // person link hex
  int64_t issued_us = 0;
  std::vector<store::AuditEntry> entries;  // seq order
  store::AuditEntry head;                  // seq and hash used
  std::string statement, signature, certificate_pem;
};

// The signed text for `d` (its person, issued_us, entries and head).
std::string statement_of(const EntriesDownload& d);
// Signs `d` (statement, signature, certificate) with the PEM key and certificate and returns
// the download as JSON text. Errors: E_KEY_IO (the key cannot be read or used).
Result<std::string> sign_entries(EntriesDownload d, std::string_view key_pem,
                                 std::string_view cert_pem);
// Reads a download. Errors: E_AUDIT_PROOF with the field and a Japanese message when the text
// is not such a download (a member missing or of the wrong type).
Result<EntriesDownload> parse_entries(std::string_view json);

struct EntriesCheck {
  int64_t entries = 0;
  int64_t head_seq = 0;
  bool ok = true;
  int64_t bad_seq = 0;  // the entry at fault, 0 when not one entry (signature, head)
  std::string problem;  // when !ok (English, for the operator)
};
// Checks a download on its own: each entry's hash recomputes from its fields, entries are in
// seq order and not after the head, the statement is the one of these entries, the
// signature verifies with the certificate, and the certificate was signed by `ca_pem`.
// With `store`, also that each entry and the head are exactly those of the log at their seq
// (so the log still holds them, unchanged, and was not rewritten after the download).
// Errors only for what prevents checking (E_AUDIT_PROOF for the CA, the store's error).
Result<EntriesCheck> check_entries(const EntriesDownload& d, std::string_view ca_pem,
                                   store::Store* store);

}  // namespace onshi::security
