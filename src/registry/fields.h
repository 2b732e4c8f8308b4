// The record's fields as a fixed, indexed set — the registry's internal fast path.
//
// The public contract takes a FieldMap (name → value pairs), which is convenient for JSON
// but costs a search and two strings per field. The CSV import resolves its header once to
// these indices and hands each row to validation as an array of string views into its own
// buffer, so a million-row file is validated without building a FieldMap per row.
#pragma once

#include <array>
#include <string_view>
#include <variant>
#include <vector>

#include "registry/registry.h"

namespace onshi::registry::detail {

// The record's columns (registry.h), also under this namespace.
using registry::Field;
using enum registry::Field;

using FieldValues = std::array<std::string_view, kFieldCount>;

// The columns of a 医療扶助 recipient (registry/medical_aid.h), in the documented order.
inline constexpr Field kRecipientFields[] = {kInsurerNumber,
                                             kInsurerName,
                                             kInsuredIdentificationNumber,
                                             kName,
                                             kNameKana,
                                             kSex1,
                                             kBirthdate,
                                             kPostNumber,
                                             kAddress,
                                             kQualificationDate,
                                             kDisqualificationDate,
                                             kReasonOfLoss,
                                             kMyNumber};
bool is_recipient_field(int field);

// Element name of a field, and the index of an element name (-1 when unknown).
std::string_view field_name(int field);
int field_index(std::string_view name);

// validate_record on indexed values (absent fields are empty views). A kRecipient record
// (registry/medical_aid.h) is keyed by 公費負担者番号 (法別 12) and 受給者番号 instead of the
// insurer's card numbers, and gets InsuredCardClassification A1; every other rule is shared.
std::variant<ValidatedRecord, std::vector<Error>> validate_values(
    const FieldValues& values, core::Date today, RecordKind kind = RecordKind::kMember);

// A validated record ready for the store: the My Number sealed and linked, then dropped.
store::PutItem make_put_item(ValidatedRecord&& record, const security::Keyring& keyring,
                             const std::string& source);

// Minimal JSON string escaping for reports.
void append_json_string(std::string& out, std::string_view s);

}  // namespace onshi::registry::detail
