// The reception screen's page: HTML, CSS and script in one raw string (see screen.h).
#include "terminal/screen.h"

namespace onshi::terminal {

std::string_view reception_page_html() {
  return R"html(<!doctype html><html lang="ja"><meta charset="utf-8"><title>資格確認端末</title><h1>資格確認端末</h1></html>)html";
}

}  // namespace onshi::terminal
