// The image config's side of a scan: which history line made each layer, and the config's own risks in the
// audit's rule IDs (root user SS401, no health check SS502, secrets in ENV or build args SS409, port 22
// SS415). Pure: JSON text in, values out.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "scan/scanner.h"

namespace shipshape::scan {

struct ImageConfig {
  std::string architecture, os;
  std::vector<std::string> diff_ids;
  // The history lines that created a layer, in layer order (empty_layer entries left out).
  std::vector<std::string> layer_history;
  std::vector<ImageFinding> findings;
};

Result<ImageConfig> readImageConfig(const std::string& json);

}  // namespace shipshape::scan
