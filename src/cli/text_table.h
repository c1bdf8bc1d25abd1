// Column-aligned plain-text tables, as the docker CLI prints them (three spaces between columns).
#pragma once

#include <string>
#include <vector>

namespace shipshape::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void addRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace shipshape::cli
