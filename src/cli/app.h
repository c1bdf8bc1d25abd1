// Entry point of the shipshape command line; main() only calls run().
#pragma once

namespace shipshape::cli {

int run(int argc, char** argv);

}  // namespace shipshape::cli
