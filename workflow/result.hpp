// Result<T>: the value-or-error type used at every boundary (connectors, parsers, store).
// Errors say whether retrying can help (transient), cannot (permanent), the input itself is
// wrong (invalid_input), or the operation is not offered (unsupported).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace relais {

enum class ErrorKind { transient, permanent, invalid_input, unsupported };

struct Error {
  ErrorKind kind = ErrorKind::permanent;
  std::string message;  // a sentence for a log line or a person; never a secret
  std::optional<std::chrono::seconds> retry_after = {};  // a server's hint, when it gave one
  // The call was sent whole and its answer never came (time-out, connection closed): the
  // server may have acted on it, so a create must be looked for before it is tried again.
  bool outcome_unknown = false;
};

inline Error transient(std::string message) {
  return {ErrorKind::transient, std::move(message)};
}
inline Error permanent(std::string message) {
  return {ErrorKind::permanent, std::move(message)};
}
inline Error invalid_input(std::string message) {
  return {ErrorKind::invalid_input, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace relais
