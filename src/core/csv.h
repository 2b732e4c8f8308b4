// CSV (RFC 4180) records over raw bytes: finding where a record ends in a buffer (quotes may
// hold line ends) and splitting one record into its fields. The member import, the claims
// check and the benchmarks read their files with these.
//
// Records end with LF; a CR before it belongs to the line end (csv_chop_cr). A field is either
// bare (up to the next comma) or quoted ("…", a doubled "" standing for one quote); nothing may
// follow a closing quote but a comma or the record's end.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::core {

// The LF that ends the record being scanned from `scan` in [scan, end), or nullptr when the
// record runs past `end`. `in_quotes` carries the quote state between calls, so a caller can
// resume at `end` after reading more bytes.
const char* csv_record_end(const char* scan, const char* end, bool& in_quotes);

// `record` without a trailing CR.
std::string_view csv_chop_cr(std::string_view record);

// Splits one record (no line end) into `out`. Fields point into `record`, except quoted ones
// with a doubled quote, whose unescaped text is kept in `scratch` (a deque, so earlier fields
// stay valid). False on a malformed record — an unterminated quote, text after a closing
// quote, or with `strict` a quote inside a bare field; `out` then holds the fields read up to
// the fault.
bool csv_split(std::string_view record, std::vector<std::string_view>& out,
               std::deque<std::string>& scratch, bool strict = false);

// The fields of one record as strings (a trailing CR dropped; a malformed record gives the
// fields read up to the fault). For tools and tests that read files onshi wrote.
std::vector<std::string> csv_fields(std::string_view record);

}  // namespace onshi::core
