// shipshape: a production guardian for Docker hosts. Everything lives in the libraries; see cli/app.cpp.
#include <cstdio>
#include <exception>

#include "cli/app.h"

int main(int argc, char** argv) {
  try {
    return shipshape::cli::run(argc, argv);
  } catch (const std::exception& e) {
    // Last resort: modules return errors instead of throwing, so reaching this is a bug.
    std::fprintf(stderr, "shipshape: internal error: %s\n", e.what());
    return 2;
  }
}
