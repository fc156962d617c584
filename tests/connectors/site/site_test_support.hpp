// Helpers for the site tests: a temporary directory, a tiny JPEG, file reading, and a Python
// XML check of atom.xml run in a subprocess. Helpers abort the test (doctest REQUIRE) on failure.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "connectors/connector.hpp"

namespace relais::connectors::site::test {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "relais-site-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_all(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
  REQUIRE(out.good());
}

// A valid 1x1 grey baseline JPEG: one 8x8 block, DC difference 0, end of block.
inline std::string tiny_jpeg() {
  std::string j = {'\xFF', '\xD8', '\xFF', '\xDB', '\x00', '\x43', '\x00'};
  j.append(64, '\x01');  // quantisation table: all ones
  j += std::string{'\xFF', '\xC0', '\x00', '\x0B', '\x08', '\x00', '\x01',
                   '\x00', '\x01', '\x01', '\x01', '\x11', '\x00'};
  for (char table_class : {'\x00', '\x10'}) {  // DC then AC table: one 1-bit code for symbol 0
    j += std::string{'\xFF', '\xC4', '\x00', '\x14', table_class, '\x01'};
    j.append(15, '\x00');
    j += '\x00';
  }
  j += std::string{'\xFF', '\xDA', '\x00', '\x08', '\x01', '\x01', '\x00', '\x00', '\x3F', '\x00'};
  j += std::string{'\x3F', '\xFF', '\xD9'};  // bits "0" (DC) "0" (EOB), padded with ones
  return j;
}

inline std::chrono::system_clock::time_point utc(int y, unsigned m, unsigned d, int h = 10) {
  using namespace std::chrono;
  return sys_days(year(y) / month(m) / day(d)) + hours(h);
}

// A post with one JPEG written into `store`.
inline Post sample_post(const std::filesystem::path& store,
                        std::string reference = "PUB-2026-0042") {
  std::filesystem::path jpeg = store / (reference + ".jpg");
  write_all(jpeg, tiny_jpeg());
  Post post;
  post.idempotency_key = reference + "/site";
  post.reference = reference;
  post.title = "Fête de l'école & kermesse";
  post.text = "Bonjour <script>alert(1)</script> & bienvenue\n\nDeuxième ligne";
  post.author = "Jeanne <Dupont> & Co";
  post.media.push_back({jpeg, "image/jpeg", "", "Des enfants \"dansent\""});
  post.published_at = utc(2026, 3, 1);
  return post;
}

// Runs `/usr/bin/python3 -c SCRIPT ARG` and returns its standard output; exit status in `status`.
inline std::string run_python(const std::string& script, const std::filesystem::path& arg,
                              int& status) {
  std::string quoted = "'";
  for (char c : script) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  quoted += "'";
  std::string cmd = "/usr/bin/python3 -c " + quoted + " '" + arg.string() + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) {
    out.append(buf.data(), n);
  }
  status = ::pclose(pipe);
  return out;
}

// Parses atom.xml with xml.etree and prints one line per entry:
// "ENTRY id|title|alternate href|enclosure type,length,href|content", then "FEED title|self".
inline std::string atom_summary(const std::filesystem::path& atom, int& status) {
  static const std::string script = R"PY(
import sys, xml.etree.ElementTree as ET
ns = {'a': 'http://www.w3.org/2005/Atom'}
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == '{http://www.w3.org/2005/Atom}feed'
for must in ('a:id', 'a:title', 'a:updated'):
    assert root.find(must, ns) is not None, must
self_link = root.find("a:link[@rel='self']", ns).get('href')
print('FEED ' + root.find('a:title', ns).text + '|' + self_link)
for e in root.findall('a:entry', ns):
    enc = e.find("a:link[@rel='enclosure']", ns)
    enc_s = ','.join([enc.get('type'), enc.get('length'), enc.get('href')]) if enc is not None else ''
    content = e.find('a:content', ns)
    assert content.get('type') == 'html'
    assert e.find('a:updated', ns) is not None
    print('ENTRY ' + '|'.join([e.find('a:id', ns).text, e.find('a:title', ns).text,
          e.find("a:link[@rel='alternate']", ns).get('href'), enc_s,
          content.text.replace('\n', ' ')]))
)PY";
  return run_python(script, atom, status);
}

}  // namespace relais::connectors::site::test
