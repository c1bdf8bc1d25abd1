// Internal to the store: runs a SQLiteCpp call and turns its exception into a Result naming what was being done.
#pragma once

#include <string>

#include <SQLiteCpp/Exception.h>

#include "common/result.h"

namespace shipshape::store {

template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    return fail(ErrorCode::kIo, std::string(what) + ": " + e.what());
  }
}

}  // namespace shipshape::store
