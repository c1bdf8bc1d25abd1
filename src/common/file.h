// Reading a whole file, with an error that names the path and the errno text.
#pragma once

#include <string>

#include "common/result.h"

namespace shipshape {

Result<std::string> readFile(const std::string& path);

}  // namespace shipshape
