#include "support/tar_util.h"

#include <archive.h>
#include <archive_entry.h>

#include <vector>

namespace shipshape::testing {

namespace {

la_ssize_t appendTo(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

}  // namespace

std::string makeTar(const std::map<std::string, std::string>& files) {
  std::string out;  // grows with the content (volume tests write several MiB)
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open(a, &out, nullptr, appendTo, nullptr);
  for (const auto& [path, content] : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_uid(e, 65534);
    archive_entry_set_gid(e, 65534);
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string makeTarEntries(const std::vector<TarEntry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open(a, &out, nullptr, appendTo, nullptr);
  for (const auto& entry : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, entry.path.c_str());
    archive_entry_set_size(e, entry.dir ? 0 : static_cast<la_int64_t>(entry.content.size()));
    archive_entry_set_filetype(e, entry.dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, entry.mode);
    archive_write_header(a, e);
    if (!entry.dir) archive_write_data(a, entry.content.data(), entry.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

Result<std::map<std::string, std::string>> readTar(const std::string& tar) {
  std::map<std::string, std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, tar.data(), tar.size()) != ARCHIVE_OK) {
    std::string message = archive_error_string(a) ? archive_error_string(a) : "not a tar";
    archive_read_free(a);
    return fail(ErrorCode::kProtocol, message);
  }
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string content(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a, content.data(), content.size());
    out[archive_entry_pathname(e)] = content;
  }
  bool ok = rc == ARCHIVE_EOF;
  std::string message = ok ? "" : (archive_error_string(a) ? archive_error_string(a) : "bad tar");
  archive_read_free(a);
  if (!ok) return fail(ErrorCode::kProtocol, message);
  return out;
}

}  // namespace shipshape::testing
