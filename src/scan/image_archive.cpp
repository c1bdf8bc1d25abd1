#include "scan/image_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

namespace shipshape::scan {
namespace {

constexpr std::size_t kBlock = 1 << 20;
constexpr std::size_t kMaxJson = 64u << 20;  // a config or manifest larger than this is not one

struct ArchiveHandle {
  struct archive* a = archive_read_new();
  ~ArchiveHandle() { archive_read_free(a); }
  ArchiveHandle() = default;
  ArchiveHandle(const ArchiveHandle&) = delete;
  ArchiveHandle& operator=(const ArchiveHandle&) = delete;
};

std::string errorOf(struct archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unreadable tar";
}

struct OuterSource {
  const ReadFn* read;
  std::vector<char> buffer = std::vector<char>(kBlock);
  std::int64_t bytes = 0;
};

la_ssize_t onOuterRead(struct archive*, void* client, const void** block) {
  auto* s = static_cast<OuterSource*>(client);
  *block = s->buffer.data();
  std::size_t n = (*s->read)(s->buffer.data(), s->buffer.size());
  s->bytes += static_cast<std::int64_t>(n);
  return static_cast<la_ssize_t>(n);
}

// A layer's tar, read from the outer archive's current entry; the first chunk may already have been read
// (to tell a JSON blob from a layer).
struct InnerSource {
  struct archive* outer;
  std::string peeked;
  bool peeked_served = false;
  std::vector<char> buffer = std::vector<char>(kBlock);
  std::string error;
};

la_ssize_t onInnerRead(struct archive*, void* client, const void** block) {
  auto* s = static_cast<InnerSource*>(client);
  if (!s->peeked_served) {
    s->peeked_served = true;
    if (!s->peeked.empty()) {
      *block = s->peeked.data();
      return static_cast<la_ssize_t>(s->peeked.size());
    }
  }
  la_ssize_t n = archive_read_data(s->outer, s->buffer.data(), s->buffer.size());
  if (n < 0) {
    s->error = errorOf(s->outer);
    return -1;
  }
  *block = s->buffer.data();
  return n;
}

std::string normalise(const char* name) {
  std::string path = name == nullptr ? "" : name;
  while (path.starts_with("./")) path.erase(0, 2);
  while (path.starts_with("/")) path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

// "a/b/../c/layer.tar" -> "a/c/layer.tar"
std::string collapse(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

Result<std::string> readAll(struct archive* a, std::string prefix, const std::string& what, const std::string& name) {
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
    if (n < 0) return fail(ErrorCode::kIo, what + ": " + name + ": " + errorOf(a));
    if (n == 0) return prefix;
    prefix.append(buffer.data(), static_cast<std::size_t>(n));
    if (prefix.size() > kMaxJson)
      return fail(ErrorCode::kInvalidArgument, what + ": " + name + " is larger than 64 MiB");
  }
}

Result<void> walkLayer(struct archive* outer, std::string peeked, LayerVisitor& visitor, const std::string& what,
                       const std::string& blob) {
  InnerSource source{outer, std::move(peeked)};
  ArchiveHandle inner;
  archive_read_support_format_tar(inner.a);
  archive_read_support_format_gnutar(inner.a);
  archive_read_support_filter_all(inner.a);  // OCI layers may be gzip or zstd
  if (archive_read_open(inner.a, &source, nullptr, onInnerRead, nullptr) != ARCHIVE_OK)
    return fail(ErrorCode::kIo, what + ": layer " + blob + ": " + errorOf(inner.a));
  visitor.beginLayer(blob);
  for (;;) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(inner.a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      return fail(ErrorCode::kIo,
                  what + ": layer " + blob + ": " + (source.error.empty() ? errorOf(inner.a) : source.error));
    LayerEntry e;
    e.path = normalise(archive_entry_pathname(entry));
    e.mode = static_cast<unsigned>(archive_entry_mode(entry)) & 07777u;
    e.uid = archive_entry_uid(entry);
    e.gid = archive_entry_gid(entry);
    e.size = archive_entry_size(entry);
    if (archive_entry_hardlink(entry) != nullptr)
      e.type = LayerEntry::kHardlink;
    else if (archive_entry_filetype(entry) == AE_IFREG)
      e.type = LayerEntry::kFile;
    else if (archive_entry_filetype(entry) == AE_IFDIR)
      e.type = LayerEntry::kDir;
    else if (archive_entry_filetype(entry) == AE_IFLNK)
      e.type = LayerEntry::kSymlink;
    if (e.path.empty()) continue;
    bool failed = false;
    ReadFn read = [&](char* buffer, std::size_t size) -> std::size_t {
      if (failed || e.type != LayerEntry::kFile) return 0;
      la_ssize_t n = archive_read_data(inner.a, buffer, size);
      if (n < 0) {
        failed = true;
        return 0;
      }
      return static_cast<std::size_t>(n);
    };
    visitor.entry(e, read);
    if (failed) return fail(ErrorCode::kIo, what + ": layer " + blob + ": " + e.path + ": " + errorOf(inner.a));
  }
  visitor.endLayer();
  // The rest of the blob (tar padding) is skipped by the outer archive's next header.
  return {};
}

}  // namespace

Result<ImageArchive> walkImageArchive(const ReadFn& read, LayerVisitor& visitor, const std::string& what,
                                      const std::string& want) {
  OuterSource source{&read};
  ArchiveHandle outer;
  archive_read_support_format_tar(outer.a);
  archive_read_support_format_gnutar(outer.a);
  archive_read_support_filter_all(outer.a);  // `docker save | gzip` as --input
  if (archive_read_open(outer.a, &source, nullptr, onOuterRead, nullptr) != ARCHIVE_OK)
    return fail(ErrorCode::kIo, what + ": " + errorOf(outer.a));

  std::string manifest_text;
  std::map<std::string, std::string> json_blobs;  // path -> text
  std::map<std::string, std::string> aliases;     // a symlinked layer.tar -> its target
  for (;;) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(outer.a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return fail(ErrorCode::kIo, what + ": " + errorOf(outer.a));
    std::string name = normalise(archive_entry_pathname(entry));
    if (const char* link = archive_entry_symlink(entry); link != nullptr) {
      std::string dir = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/') + 1);
      aliases[name] = collapse(std::string(link).starts_with("/") ? std::string(link) : dir + link);
      continue;
    }
    if (const char* hard = archive_entry_hardlink(entry); hard != nullptr) {
      aliases[name] = normalise(hard);
      continue;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    bool in_blobs = name.starts_with("blobs/");
    if (name == "manifest.json") {
      auto text = readAll(outer.a, "", what, name);
      if (!text) return fail(text.error());
      manifest_text = std::move(*text);
    } else if (name.ends_with("/layer.tar")) {
      if (auto r = walkLayer(outer.a, "", visitor, what, name); !r) return fail(r.error());
    } else if (name.ends_with(".json") || in_blobs) {
      // A config, an OCI manifest or index (JSON), or under blobs/ a layer: the first bytes tell.
      std::string first(kBlock, '\0');
      la_ssize_t n = archive_read_data(outer.a, first.data(), first.size());
      if (n < 0) return fail(ErrorCode::kIo, what + ": " + name + ": " + errorOf(outer.a));
      first.resize(static_cast<std::size_t>(n));
      auto start = first.find_first_not_of(" \t\r\n");
      if (start != std::string::npos && first[start] == '{') {
        auto text = readAll(outer.a, std::move(first), what, name);
        if (!text) return fail(text.error());
        json_blobs[name] = std::move(*text);
      } else if (in_blobs && !first.empty()) {
        if (auto r = walkLayer(outer.a, std::move(first), visitor, what, name); !r) return fail(r.error());
      }
    }
  }

  if (manifest_text.empty())
    return fail(ErrorCode::kInvalidArgument, what + ": no manifest.json: not an image archive");
  ImageArchive out;
  out.bytes = source.bytes;
  try {
    auto manifest = nlohmann::json::parse(manifest_text);
    if (!manifest.is_array() || manifest.empty())
      return fail(ErrorCode::kInvalidArgument, what + ": manifest.json lists no image");
    const nlohmann::json* chosen = nullptr;
    for (const auto& m : manifest) {
      if (!m.is_object()) continue;
      if (want.empty() && manifest.size() == 1) chosen = &m;
      if (!want.empty() && m.contains("RepoTags") && m["RepoTags"].is_array())
        for (const auto& t : m["RepoTags"])
          if (t.is_string() && t.get<std::string>() == want) chosen = &m;
    }
    if (chosen == nullptr)
      return fail(ErrorCode::kInvalidArgument,
                  what + ": manifest.json lists " + std::to_string(manifest.size()) +
                      (want.empty() ? " images; name the one to scan" : " images and none is tagged " + want));
    auto resolve = [&](std::string path) {
      for (int hops = 0; hops < 8 && aliases.count(path); ++hops) path = aliases[path];
      return path;
    };
    std::string config = resolve(normalise(chosen->value("Config", "").c_str()));
    auto it = json_blobs.find(config);
    if (it == json_blobs.end())
      return fail(ErrorCode::kInvalidArgument, what + ": the image config " + config + " is missing");
    out.config_json = it->second;
    if (chosen->contains("Layers") && (*chosen)["Layers"].is_array())
      for (const auto& l : (*chosen)["Layers"])
        if (l.is_string()) out.layer_blobs.push_back(resolve(normalise(l.get<std::string>().c_str())));
    if (chosen->contains("RepoTags") && (*chosen)["RepoTags"].is_array())
      for (const auto& t : (*chosen)["RepoTags"])
        if (t.is_string()) out.repo_tags.push_back(t.get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kInvalidArgument, what + ": manifest.json: " + e.what());
  }
  return out;
}

}  // namespace shipshape::scan
