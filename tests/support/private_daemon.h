// The tests use the lab's private daemon (src/lab/private_daemon.h) under their own namespace.
#pragma once

#include "lab/private_daemon.h"

namespace shipshape::testing {
using lab::PrivateDaemon;
}  // namespace shipshape::testing
