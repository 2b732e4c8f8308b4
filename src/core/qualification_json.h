// Qualification ⇄ JSON, with lowerCamelCase keys named after the interface elements
// (InsurerNumber → "insurerNumber"); certificates as nested objects "elderlyRecipient",
// "limitApplication" and the array "specificDiseases", their keys also element names
// ("elderlyRecipientContributionRatio" …). Empty strings are omitted on output.
//
// Used for the store's payload column, the insurer's member view and the JSON API.
#pragma once

#include <string>
#include <string_view>

#include "core/qualification.h"
#include "core/status.h"

namespace onshi::core {

std::string qualification_to_json(const Qualification& q);
// Errors: E_JSON_SYNTAX, E_JSON_TYPE (field = key).
Result<Qualification> qualification_from_json(std::string_view json);

}  // namespace onshi::core
