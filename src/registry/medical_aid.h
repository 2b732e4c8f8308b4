// Registration of 医療扶助 (medical aid under 生活保護法, 法別 12) by welfare offices (福祉事務所,
// R-AID-1): their recipients (受給者) and the recipients' tickets (医療券・調剤券), from a CSV
// file (`onshi import --kind medical-aid | medical-aid-tickets`) or over HTTPS
// (`POST /v1/medical-aid/recipients | tickets`), with the same rules.
//
// A recipient is a qualification of the member store (core/medical_aid.h): the registry's own
// validation, sealing of the My Number, person link, bitemporal versions and batch import run
// on it unchanged — only the key differs (公費負担者番号 + 受給者番号, both with check digits)
// and the columns are fewer (recipient_fields()). So everything registry.h says of members —
// per-row errors, first row of a key wins, re-running a file changes nothing, kill -9 safe —
// holds for recipients.
//
// A ticket is keyed by (公費負担者番号, 受給者番号, IssueNumber) in store::TicketStore; a changed
// row is a new version. Besides its own fields (codes against OQSCD018–025, dates and their
// order, the month, the designated 医療機関等コード) a ticket is checked against its recipient
// as known now: the recipient must be registered, and the ticket's validity must lie inside
// the recipient's covered period (QualificationDate ≤ d < DisqualificationDate). A welfare
// office registers only under its own number (E_FORBIDDEN_OFFICE).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/date.h"
#include "core/medical_aid.h"
#include "core/status.h"
#include "registry/registry.h"
#include "store/store.h"
#include "store/tickets.h"

namespace onshi::registry {

// The recipient file's columns, in documented order: InsurerNumber, InsurerName,
// InsuredIdentificationNumber, Name, NameKana, Sex1, Birthdate, PostNumber, Address,
// QualificationDate, DisqualificationDate, ReasonOfLoss, MyNumber (required: as for members).
const std::vector<std::string>& recipient_fields();

// Imports a welfare office's recipient CSV: import_csv's contract with the recipient's
// columns and key (E_DUPLICATE_KEY names 公費負担者番号・受給者番号).
Result<Report> import_recipients_csv(store::Store& store, const security::Keyring& keyring,
                                     const std::filesystem::path& csv,
                                     const ImportOptions& options = {});

// The ticket file's columns, in documented order: InsurerNumber, InsuredIdentificationNumber
// and the MedicalTicketInfo elements (research §3.5) except DesignatedMedicalInstitutionFlag,
// which the service computes per institution. Required: InsurerNumber,
// InsuredIdentificationNumber, TicketType, MedicalTicketValidDate,
// MedicalTicketExpirationDate, IssueNumber, MedicalTreatmentMonth,
// DesignatedMedicalInstitutionCode.
const std::vector<std::string>& ticket_fields();

// Validates one ticket on its own (no store): every error found, each with the element name
// as field, a stable code and a Japanese message. A field that is not a ticket column is
// E_UNKNOWN_FIELD, one given twice E_DUPLICATE_FIELD.
std::variant<core::MedicalTicket, std::vector<Error>> validate_ticket(const FieldMap& fields);

// The ticket against its recipient as known at `known_at_us`: E_RECIPIENT_NOT_FOUND when the
// office has not registered the 受給者番号, E_TICKET_PERIOD when the ticket's validity is not
// inside the covered period. Errors of the store are returned as the status.
Result<std::vector<Error>> check_ticket_recipient(store::Store& members,
                                                  const core::MedicalTicket& ticket,
                                                  int64_t known_at_us);

// Validates and registers tickets (one batch, one put_tickets transaction); rows with errors
// are reported and never stop the others. `only_office` as in Registrar::register_records
// (E_FORBIDDEN_OFFICE). A store failure writes nothing and is the error.
Result<Report> register_tickets(store::Store& members, store::TicketStore& tickets,
                                const std::vector<FieldMap>& records, const std::string& source,
                                const std::optional<std::string>& only_office = std::nullopt,
                                int64_t first_row = 0);

// Imports a ticket CSV on the batch pipeline: per-row errors, the first valid row of a ticket
// key wins (later ones E_DUPLICATE_KEY), one put_tickets transaction per batch, no
// checkpoint (a re-run after kill -9 repeats the file and changes nothing). Errors as
// import_csv.
Result<Report> import_tickets_csv(store::Store& members, store::TicketStore& tickets,
                                  const std::filesystem::path& csv,
                                  const ImportOptions& options = {});

}  // namespace onshi::registry
