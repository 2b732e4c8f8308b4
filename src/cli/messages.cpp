// The English summaries of the codes the commands print (print_error), one table; the
// Japanese messages come from where the error arose. docs/errors.md explains every code.
#include "cli/messages.h"

#include <array>
#include <utility>

namespace onshi::cli {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 50> kSummaries{{
    {"E_CARD_CERT", "the card's certificate is not valid"},
    {"E_CARD_EXPIRED", "the card has expired"},
    {"E_CARD_FILE", "the card file cannot be read or already exists"},
    {"E_CARD_LABEL", "invalid card label"},
    {"E_CARD_LOCKED", "the card's PIN is locked"},
    {"E_CARD_NO_QUALIFICATION", "no qualification found for the card's holder"},
    {"E_CARD_PIN", "wrong PIN"},
    {"E_CARD_PIN_FORMAT", "the PIN must be 4 digits"},
    {"E_CARD_REVOKED", "the card has been revoked"},
    {"E_CARD_UNKNOWN", "the card is not in the register"},
    {"E_CA_EXISTS", "a certificate authority already exists in this directory"},
    {"E_CA_MISSING", "no certificate authority in this directory (run onshi ca init)"},
    {"E_CERT_PARSE", "a certificate cannot be read"},
    {"E_CERT_SUBJECT", "the certificate's subject is not an onshi role"},
    {"E_CHECK_DIGIT", "wrong check digit"},
    {"E_CHECKPOINT", "the resume checkpoint cannot be used"},
    {"E_CLINICAL_WINDOW", "invalid viewing window (a number and d, m or y)"},
    {"E_COPY_CONFLICT", "the target holds different data under the same keys"},
    {"E_CRYPTO", "a cryptographic operation failed"},
    {"E_CSV_HEADER", "the file's header is not usable"},
    {"E_DATA_DIR", "the data directory cannot be used"},
    {"E_DB_URL", "invalid database URL"},
    {"E_EMPTY", "a required value is empty"},
    {"E_ENCODING", "the file's text encoding cannot be read"},
    {"E_FILE", "a file cannot be read or written"},
    {"E_FLAG", "invalid or missing command-line flag"},
    {"E_INSURER_NUMBER", "invalid insurer or public expense number"},
    {"E_ID", "invalid identifier"},
    {"E_IO", "a file operation failed"},
    {"E_KEY", "invalid key"},
    {"E_KEY_IO", "the key files cannot be read or written"},
    {"E_KEY_MISSING", "the master key is missing from the key directory"},
    {"E_LENGTH", "a value has the wrong length"},
    {"E_LISTEN", "cannot listen on the address"},
    {"E_MEDICAL_AID_NUMBER", "not a medical aid (law 12) public expense number"},
    {"E_RECIPIENT_NOT_FOUND", "no medical aid recipient with these numbers"},
    {"E_LOCKED", "another process holds this directory"},
    {"E_NOT_DIGIT", "a value must be digits only"},
    {"E_NOT_FOUND", "not found"},
    {"E_REPORT", "the report cannot be written"},
    {"E_SERVER_NAME", "invalid server name"},
    {"E_STATE", "the step is not allowed in the current state"},
    {"E_STORE", "a database operation failed"},
    {"E_STORE_OPEN", "the database cannot be opened"},
    {"E_STORE_SCHEMA", "the database schema is newer than this onshi"},
    {"E_STRUCTURE", "the number's structure is invalid"},
    {"E_TERMINAL_IO", "the terminal's folder or files cannot be used"},
    {"E_TERMINAL_RESPONSE", "the terminal's answer cannot be read"},
    {"E_CONNECT", "cannot connect"},
    {"E_VALIDITY", "invalid validity period"},
}};

}  // namespace

std::string_view english_summary(std::string_view code) {
  for (const auto& [c, text] : kSummaries)
    if (c == code) return text;
  return {};
}

void print_error(std::ostream& out, std::string_view prefix, const Error& e, bool with_field) {
  if (!prefix.empty()) out << prefix << ": ";
  out << e.code;
  if (with_field && !e.field.empty()) out << " (" << e.field << ")";
  out << ": " << e.message;
  if (auto en = english_summary(e.code); !en.empty()) out << " — " << en;
  out << "\n";
}

}  // namespace onshi::cli
