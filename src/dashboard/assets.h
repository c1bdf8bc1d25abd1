// The dashboard's static files, compiled into the binary (cmake/EmbedFiles.cmake): the page, its script and
// style from src/dashboard/page/, and Chart.js from Debian's libjs-chart.js. Nothing is fetched at run time
// and no request leaves the host.
#pragma once

#include <string_view>
#include <vector>

namespace shipshape::dashboard {

struct Asset {
  std::string_view url;  // "/", "/assets/dashboard.js", ...
  std::string_view content_type;
  std::string_view body;
};

const std::vector<Asset>& assets();

}  // namespace shipshape::dashboard
