// The portal's audit record, "portal.view" (security/audit_events.h; issue 17 point 1,
// R-CARD-2): it round-trips, its actor is the person (not a certificate role) and its subject
// the same person, so a person's own visits are found through the subject index; malformed
// entries name the part.
#include <gtest/gtest.h>

#include "security/audit_events.h"

namespace onshi::security {
namespace {

const std::string kPerson(64, 'a');

TEST(AuditPortal, RecordRoundTripsWithThePersonAsActor) {
  const AuditRecord r = PortalView{kPerson, "portal-1", "qualifications", 2};
  AuditEvent e = encode(r);
  EXPECT_EQ(e.action, "portal.view");
  EXPECT_EQ(e.actor, "person:" + kPerson);
  EXPECT_EQ(e.subject, person_subject(kPerson));
  auto back = decode(e.actor, e.action, e.subject, e.detail);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == r);
  EXPECT_EQ(encode(*back).detail, e.detail);
}

TEST(AuditPortal, MalformedEntriesNameThePart) {
  const std::string detail = R"({"portal":"portal-1","view":"card","rows":1})";
  auto actor = decode("portal:portal-1", "portal.view", person_subject(kPerson), detail);
  ASSERT_FALSE(actor.ok());
  EXPECT_EQ(actor.error().field, "actor");
  auto subject = decode("person:" + kPerson, "portal.view", person_subject("bb"), detail);
  ASSERT_FALSE(subject.ok());
  EXPECT_EQ(subject.error().field, "subject");
  auto rows = decode("person:" + kPerson, "portal.view", person_subject(kPerson),
                     R"({"portal":"portal-1","view":"card","rows":-1})");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().field, "detail.rows");
  auto view = decode("person:" + kPerson, "portal.view", person_subject(kPerson),
                     R"({"portal":"portal-1","rows":0})");
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error().field, "detail.view");
}

}  // namespace
}  // namespace onshi::security
