// The store's payload format for a qualification: compact and positional, because it is
// written a million times per import and read on every confirmation.
//
// "Q1" then the 24 base fields in declaration order (core/qualification.h) separated by
// U+001F; then one group per certificate, each introduced by U+001E and a tag: 'E' 高齢受給者証
// (4 fields), 'L' 限度額適用認定証 (6 fields), 'S' 特定疾病療養受療証 (5 fields, repeated).
// The control characters U+001B, U+001E and U+001F inside a value are escaped with U+001B.
// Equal qualifications give equal payloads, so "unchanged" is a string comparison. Payloads
// that start with '{' are the earlier JSON format and are still read.
#pragma once

#include <string>
#include <string_view>

#include "core/qualification.h"
#include "core/status.h"

namespace onshi::store {

std::string encode_payload(const core::Qualification& q);
Result<core::Qualification> decode_payload(std::string_view payload);
// Decodes into `q`, which must be default-constructed: the confirmation path fills the
// version it returns in place. Errors: E_STORE_CORRUPT (`q` is then unspecified).
Status decode_payload_into(std::string_view payload, core::Qualification& q);

}  // namespace onshi::store
