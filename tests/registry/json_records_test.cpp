// The records of a registration body (registry::records_from_json): both body forms, the
// certificate blocks read back into the CSV's element names, and every refusal of the body as
// a whole or of one record with its row — the decoding the fuzz target registrations_json
// drives with arbitrary bytes.
#include <gtest/gtest.h>

#include "registry/registry.h"

namespace onshi::registry {
namespace {

std::string value_of(const FieldMap& m, const std::string& key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  return "<absent>";
}

// R-REG-1: an array and {"records":[…]} are the same body; keys become element names.
TEST(RegistryJsonRecords, BothFormsGiveElementNames) {
  for (const std::string body :
       {R"([{"insurerNumber":"06139992","insuredCardSymbol":"1234"}])",
        R"({"records":[{"insurerNumber":"06139992","insuredCardSymbol":"1234"}]})"}) {
    auto r = records_from_json(body);
    ASSERT_TRUE(r.ok()) << body;
    ASSERT_EQ(r->records.size(), 1u);
    EXPECT_TRUE(r->shape_errors.empty());
    EXPECT_EQ(value_of(r->records[0], "InsurerNumber"), "06139992");
    EXPECT_EQ(value_of(r->records[0], "InsuredCardSymbol"), "1234");
  }
}

// R-REG-1: certificate blocks as the member view writes them; several 特定疾病 certificates
// travel '|'-joined per element, as in the CSV.
TEST(RegistryJsonRecords, CertificateBlocksAreReadBack) {
  auto r = records_from_json(
      R"([{"limitApplication":{"limitApplicationCertificateClassification":"01"},)"
      R"("specificDiseases":[{"specificDiseasesDiseaseCategory":"1"},)"
      R"({"specificDiseasesDiseaseCategory":"2","specificDiseasesSelfPay":"10000"}]}])");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(value_of(r->records[0], "LimitApplicationCertificateClassification"), "01");
  EXPECT_EQ(value_of(r->records[0], "SpecificDiseasesDiseaseCategory"), "1|2");
  EXPECT_EQ(value_of(r->records[0], "SpecificDiseasesSelfPay"), "|10000");
}

// Bad input: the body as a whole is refused with a stable code and field.
TEST(RegistryJsonRecords, BadBodiesAreRefused) {
  auto syntax = records_from_json("[{");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, "E_JSON_SYNTAX");
  for (const char* body : {R"("x")", R"({"records":1})", "{}", "null"}) {
    auto r = records_from_json(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, "E_JSON_TYPE") << body;
    EXPECT_EQ(r.error().field, "records");
  }
  std::string many = "[";
  for (size_t i = 0; i <= kMaxJsonRecords; ++i) many += i ? ",{}" : "{}";
  auto too_many = records_from_json(many + "]");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, "E_TOO_MANY");
}

// Bad input: a record of the wrong shape is reported with its row and left empty; the
// others are kept.
TEST(RegistryJsonRecords, ShapeErrorsNameTheRow) {
  auto r = records_from_json(
      R"([{"insurerNumber":"06139992"},"x",{"insurerNumber":6139992},)"
      R"({"specificDiseases":[1]},{"specificDiseases":[{"specificDiseasesSelfPay":1}]}])");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 5u);
  EXPECT_FALSE(r->records[0].empty());
  ASSERT_EQ(r->shape_errors.size(), 4u);
  int64_t row = 1;
  for (const auto& e : r->shape_errors) {
    EXPECT_EQ(e.row, row);
    EXPECT_EQ(e.code, "E_JSON_TYPE");
    EXPECT_TRUE(r->records[static_cast<size_t>(row)].empty());
    ++row;
  }
  EXPECT_EQ(r->shape_errors[1].field, "insurerNumber");
  EXPECT_EQ(r->shape_errors[2].field, "specificDiseases");
}

}  // namespace
}  // namespace onshi::registry
