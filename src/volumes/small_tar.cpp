#include "volumes/small_tar.h"

#include <archive.h>
#include <archive_entry.h>

namespace shipshape::volumes {
namespace {

la_ssize_t appendTo(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

}  // namespace

std::string smallTar(const std::vector<TarFile>& files) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_ustar(a);
  archive_write_open(a, &out, nullptr, appendTo, nullptr);
  for (const auto& f : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, f.name.c_str());
    archive_entry_set_filetype(e, f.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, f.mode != 0 ? f.mode : (f.directory ? 0755 : 0644));
    archive_entry_set_size(e, f.directory ? 0 : static_cast<la_int64_t>(f.content.size()));
    archive_write_header(a, e);
    if (!f.directory) archive_write_data(a, f.content.data(), f.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace shipshape::volumes
