// GET /v1/me/clinical/{medication|checkups|treatments|prescriptions} — the person's own
// clinical data through the portal (R-CARD-2): the portal's certificate and a live person
// session, the person taken from the session only, no consent (it is their own data), the
// viewing windows as for a professional. The answer is the professional view's JSON
// (clinical::view_json of clinical::own_view, docs/clinical.md § 見る) with basis "self",
// headed by the person's current qualification (else their newest). Audited durably first as
// security::PortalView "clinical:{kind}" with actor the person — not a look by someone else,
// so 閲覧履歴 does not list it.
#include <algorithm>

#include "clinical/own.h"
#include "core/date.h"
#include "serve/portal_detail.h"

namespace onshi::serve::portal_detail {

http::Response own_clinical(PortalRoutes& r, store::ClinicalKind kind, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto quals = r.store->find_by_person_link(holder->person_link, core::now_unix_us());
  if (!quals) return refused(quals.error());
  const core::Date today = core::Date::today_jst();
  const std::string day = today.yyyymmdd();
  store::QualificationVersion person;
  person.person_link = holder->person_link;
  for (const auto& v : *quals) {
    const bool better =
        person.qualification.insurer_number.empty() ||
        (v.qualification.covers(day) && !person.qualification.covers(day)) ||
        (v.qualification.covers(day) == person.qualification.covers(day) &&
         v.qualification.qualification_date > person.qualification.qualification_date);
    if (better) person = v;
  }
  person.person_link = holder->person_link;
  auto view = clinical::own_view(*r.db, person, kind, today);
  if (!view) return refused(view.error());
  if (auto st = audit_view(r, req, holder->person_link,
                           "clinical:" + std::string(store::clinical_kind_name(kind)), view->rows);
      !st)
    return refused(st.error());
  http::Response res;
  res.body = clinical::view_json(*view);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace onshi::serve::portal_detail
