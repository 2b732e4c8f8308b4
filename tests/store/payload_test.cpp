// The compact payload: exact round trips (certificates, empty values, control characters that
// collide with the separators) and reading the earlier JSON payloads.
#include "store/payload.h"

#include <gtest/gtest.h>

#include "core/qualification_json.h"

namespace onshi::store {
namespace {

core::Qualification sample() {
  core::Qualification q;
  q.insurer_number = "06130488";
  q.insured_card_symbol = "１２３";
  q.insured_identification_number = "4567";
  q.insured_branch_number = "01";
  q.name = "試験　一郎";
  q.name_kana = "シケン　イチロウ";
  q.birthdate = "19530718";
  q.qualification_date = "20180401";
  q.insured_partial_contribution_ratio = "030";
  return q;
}

// R-REG-1, R-REG-2: what the insurer registered comes back exactly.
TEST(Payload, RoundTripWithCertificates) {
  auto q = sample();
  q.elderly_recipient = core::ElderlyRecipientCertificate{"20240715", "20240801", "20250731", "020"};
  q.limit_application = core::LimitApplicationCertificate{"02", "B05", "20240801", "20240801", "", ""};
  q.specific_diseases.push_back({"1", "20240501", "20240501", "", "10000"});
  q.specific_diseases.push_back({"2", "20240601", "20240601", "20250531", "10000"});
  auto d = decode_payload(encode_payload(q));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, q);
  // An empty certificate block is still a present block.
  core::Qualification e = sample();
  e.limit_application.emplace();
  EXPECT_EQ(*decode_payload(encode_payload(e)), e);
}

TEST(Payload, SeparatorsInsideValuesAreEscaped) {
  auto q = sample();
  q.address = std::string("a\x1f") + "b\x1e" + "c\x1b" + "d";
  q.name_of_other = "\x1b";
  auto d = decode_payload(encode_payload(q));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, q);
}

TEST(Payload, EqualQualificationsGiveEqualPayloads) {
  auto a = sample(), b = sample();
  EXPECT_EQ(encode_payload(a), encode_payload(b));
  b.address = "x";
  EXPECT_NE(encode_payload(a), encode_payload(b));
}

TEST(Payload, ReadsTheEarlierJsonFormat) {
  auto q = sample();
  auto d = decode_payload(core::qualification_to_json(q));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, q);
}

TEST(Payload, CorruptPayloadsAreErrors) {
  for (std::string_view p : {"", "Q2abc", "Q1a\x1f" "b", "Q1\x1eZ"}) {
    auto d = decode_payload(p);
    EXPECT_FALSE(d.ok()) << p;
  }
}

}  // namespace
}  // namespace onshi::store
