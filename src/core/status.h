// Status and Result: how every fallible operation in onshi reports failure.
//
// Errors are values, not exceptions thrown across modules (LevelDB's `Status`). An error
// carries a stable machine code (`E_CHECK_DIGIT`, listed in docs/errors.md), the input
// field it concerns (interface element name, e.g. `InsurerNumber`, or "" when none) and a
// human message in Japanese or English. Messages never contain a My Number.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace onshi {

struct Error {
  std::string code;     // stable machine code, e.g. "E_CHECK_DIGIT"
  std::string field;    // offending field (interface element name) or ""
  std::string message;  // human-readable explanation
};

// Status: success, or one Error.
class Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)) {}  // NOLINT: implicit by design
  static Status Ok() { return {}; }
  static Status Fail(std::string code, std::string field, std::string message) {
    return Status(Error{std::move(code), std::move(field), std::move(message)});
  }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  // Returns a copy with `field` set when the error had none (callers that know the field).
  Status with_field(std::string field) const {
    if (ok() || !error_->field.empty()) return *this;
    Error e = *error_;
    e.field = std::move(field);
    return Status(std::move(e));
  }

 private:
  std::optional<Error> error_;
};

// Result<T>: a T, or an Error.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}   // NOLINT
  Result(Error e) : v_(std::move(e)) {}       // NOLINT
  Result(Status s) : v_(s.error()) {}         // NOLINT: only from a failed Status
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace onshi
