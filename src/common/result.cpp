#include "common/result.h"

namespace shipshape {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnreachable: return "unreachable";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kApi: return "api";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kProtocol: return "protocol";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out;
  for (auto it = context.rbegin(); it != context.rend(); ++it) {
    out += *it;
    out += " <- ";
  }
  out += message;
  return out;
}

}  // namespace shipshape
