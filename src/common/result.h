// Result<T> and Error: how every expected failure in shipshape travels (see docs/ARCHITECTURE.md, "Errors").
// Anything that can fail for reasons outside the program returns Result<T>; callers add context with wrap().
// Value types; safe to copy between threads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace shipshape {

enum class ErrorCode {
  kUnreachable,      // the daemon (or another peer) could not be connected to
  kTimeout,          // the peer accepted but did not answer in time
  kApi,              // the daemon answered with an HTTP error status
  kNotFound,         // an API 404, or a missing file
  kConflict,         // an API 409 (name in use, container running, ...)
  kProtocol,         // the peer answered something we cannot understand
  kInvalidArgument,  // bad input from the user: a flag, a file, an environment variable
  kIo,               // local file or socket failure
  kCancelled,        // the caller asked us to stop
  kUnsupported,      // the peer is too old, or a feature is not available here
  kInternal,
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Outer context, innermost first: wrap("inspecting web-1") appends.
  std::vector<std::string> context;
  // HTTP status when the error came from the daemon's API; 0 otherwise.
  int http_status = 0;

  Error wrap(std::string what) const& {
    Error copy = *this;
    copy.context.push_back(std::move(what));
    return copy;
  }
  Error wrap(std::string what) && {
    context.push_back(std::move(what));
    return std::move(*this);
  }

  // "outer <- inner <- message", the form printed to users.
  std::string describe() const;
};

// [[nodiscard]]: a dropped Result is a failure nobody saw. Where ignoring one is the right call, say so with
// `(void)` and a comment on why. A class, not an alias, because an alias cannot carry the attribute.
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(const Base& b) : Base(b) {}        // NOLINT(google-explicit-constructor): from and_then/map results
  Result(Base&& b) : Base(std::move(b)) {}  // NOLINT(google-explicit-constructor)
};

}  // namespace shipshape

// and_then/map_error accept a function returning a Result: tl::expected recognises its own type only.
namespace tl::detail {
template <class T>
struct is_expected_impl<shipshape::Result<T>> : std::true_type {};
}  // namespace tl::detail

namespace shipshape {

// Builds the error side of a Result: `return fail(ErrorCode::kIo, "cannot read " + path);`
inline tl::unexpected<Error> fail(ErrorCode code, std::string message, int http_status = 0) {
  return tl::unexpected<Error>(Error{code, std::move(message), {}, http_status});
}
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

// Wraps the error of a failed result with context and returns it as unexpected.
template <class T>
tl::unexpected<Error> failWith(const Result<T>& result, std::string what) {
  return tl::unexpected<Error>(result.error().wrap(std::move(what)));
}

}  // namespace shipshape
