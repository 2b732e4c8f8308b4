// Result headers of the interface: the echo of a request's MessageHeader, and the result with
// SegmentOfResult 9 that answers a request which could not be read or was refused. Both the
// central service (confirmation rules, bulk routes) and the terminal's folder bridge answer
// with these, so they live beside the codecs rather than with the confirmation rules.
#include "core/date.h"
#include "oqs/messages.h"

namespace onshi::oqs {

ResultHeader echo_header(const RequestHeader& h, std::string_view reference_classification) {
  ResultHeader r;
  r.process_execution_time = core::timestamp_jst();
  r.qualification_confirmation_date = h.qualification_confirmation_date;
  r.medical_institution_code = h.medical_institution_code;
  r.arbitrary_file_identifier = h.arbitrary_file_identifier;
  r.reference_classification = std::string(reference_classification);
  r.segment_of_result = "1";
  r.character_code_identifier = "0";
  return r;
}

ConfirmResult error_result(const RequestHeader& header, const Error& e) {
  ConfirmResult r;
  r.header = echo_header(header);
  r.header.segment_of_result = "9";
  r.header.error_code = e.code;
  r.header.error_message = e.field.empty() ? e.message : e.field + ": " + e.message;
  return r;
}

}  // namespace onshi::oqs
