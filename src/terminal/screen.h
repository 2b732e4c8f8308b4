// The reception screen (資格確認端末の画面): one self-contained HTML page (inline CSS and
// script, Japanese UI) that the terminal serves at GET /. It talks only to the terminal's own
// JSON API on the same origin (docs/terminal.md), never to the central service.
#pragma once

#include <string_view>

namespace onshi::terminal {

std::string_view reception_page_html();

}  // namespace onshi::terminal
