// The clinical views' files of the reception screen (web/terminal/clinical.js, clinical.css):
// embedded with their content types, loaded by the page, and built for the strict CSP — the
// script makes markup and SVG with classes only, no style attribute and no inline handler.
// R-CONF-5 (issue 16 point 5: the screen).
#include <gtest/gtest.h>

#include <string>

#include "web/assets.h"

namespace onshi::web {
namespace {

TEST(ClinicalAssets, EmbeddedAndLoadedByThePage) {
  ASSERT_NE(find_asset("terminal", "clinical.js"), nullptr);
  ASSERT_NE(find_asset("terminal", "clinical.css"), nullptr);
  EXPECT_EQ(find_asset("terminal", "clinical.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_asset("terminal", "clinical.css")->content_type, "text/css; charset=utf-8");
  const std::string page(find_asset("terminal", "index.html")->bytes);
  EXPECT_NE(page.find("<script src=\"/clinical.js\" defer></script>"), std::string::npos);
  EXPECT_NE(page.find("<link rel=\"stylesheet\" href=\"/clinical.css\">"), std::string::npos);
  EXPECT_NE(page.find("id=\"clinical-views\""), std::string::npos);
}

TEST(ClinicalAssets, ScriptKeepsToTheContentSecurityPolicy) {
  const std::string js(find_asset("terminal", "clinical.js")->bytes);
  EXPECT_EQ(js.find("style="), std::string::npos);
  EXPECT_EQ(js.find(".style."), std::string::npos);
  EXPECT_EQ(js.find(" onclick"), std::string::npos);
  EXPECT_EQ(js.find("eval("), std::string::npos);
  // Every request goes to the terminal's own API; nothing is loaded from elsewhere.
  EXPECT_EQ(js.find("http://"), js.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(js.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace onshi::web
