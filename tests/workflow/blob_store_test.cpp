// Content-addressed files: durable put, idempotent, readable back, orphans collected.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>

#include "workflow/blob_store.hpp"
#include "workflow/sha256.hpp"

using namespace relais::workflow;
namespace fs = std::filesystem;

TEST_CASE("blobs are stored by hash, once, and orphans are collected") {
  const fs::path dir = fs::temp_directory_path() / ("relais-blobs-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  BlobStore blobs(dir);
  auto a = blobs.put("photo bytes");
  REQUIRE(a.ok());
  CHECK(*a == sha256_hex("photo bytes"));
  CHECK(blobs.path_of(*a) == dir / a->substr(0, 2) / a->substr(2));
  CHECK(blobs.put("photo bytes").value() == *a);
  CHECK(blobs.get(*a).value() == "photo bytes");
  CHECK_FALSE(blobs.get(sha256_hex("never stored")).ok());

  auto b = blobs.put("orphan");
  REQUIRE(b.ok());
  std::ofstream(blobs.path_of(*a).parent_path() / ".tmp.1.2") << "half";
  const auto removed = blobs.collect_orphans([&](const std::string& sha) { return sha == *a; });
  CHECK(removed == 2);
  CHECK(fs::exists(blobs.path_of(*a)));
  CHECK_FALSE(fs::exists(blobs.path_of(*b)));
  fs::remove_all(dir);
}

TEST_CASE("a write into an unwritable place is a transient error naming the path") {
  auto r = write_file_durably("/proc/relais-cannot/x", "data");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == relais::ErrorKind::transient);
  CHECK(r.error().message.find("/proc/relais-cannot") != std::string::npos);
}
