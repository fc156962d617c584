// Single byte ranges on a full response: the forms a video player sends, and the headers that
// are ignored or refused.
#include <doctest/doctest.h>

#include "daemon/byte_range.hpp"

using namespace relais::daemon;

namespace {

HttpResponse full() {
  HttpResponse res{http::status::ok, 11};
  res.body() = "0123456789";
  res.prepare_payload();
  return res;
}

struct Case {
  const char* header;
  http::status status;
  const char* body;
  const char* content_range;
};

}  // namespace

TEST_CASE("byte ranges: single ranges served, others ignored or refused") {
  for (const auto& c : {
           Case{"", http::status::ok, "0123456789", ""},
           Case{"bytes=0-1", http::status::partial_content, "01", "bytes 0-1/10"},
           Case{"bytes=0-", http::status::partial_content, "0123456789", "bytes 0-9/10"},
           Case{"bytes=7-", http::status::partial_content, "789", "bytes 7-9/10"},
           Case{"bytes=8-100", http::status::partial_content, "89", "bytes 8-9/10"},
           Case{"bytes=-3", http::status::partial_content, "789", "bytes 7-9/10"},
           Case{"bytes=-30", http::status::partial_content, "0123456789", "bytes 0-9/10"},
           Case{"bytes=10-", http::status::range_not_satisfiable, "", "bytes */10"},
           Case{"bytes=-0", http::status::range_not_satisfiable, "", "bytes */10"},
           Case{"bytes=0-1,4-5", http::status::ok, "0123456789", ""},  // several: ignored
           Case{"bytes=5-2", http::status::ok, "0123456789", ""},
           Case{"bytes=-", http::status::ok, "0123456789", ""},
           Case{"bytes=x-1", http::status::ok, "0123456789", ""},
           Case{"items=0-1", http::status::ok, "0123456789", ""},
           Case{"bytes=99999999999999999999-", http::status::ok, "0123456789", ""},
       }) {
    CAPTURE(c.header);
    auto res = full();
    apply_byte_range(res, c.header);
    CHECK(res.result() == c.status);
    CHECK(res.body() == c.body);
    CHECK(std::string(res[http::field::content_range]) == c.content_range);
    CHECK(res[http::field::accept_ranges] == "bytes");
    CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
  }
}

TEST_CASE("byte ranges: an error answer is left alone") {
  HttpResponse res{http::status::not_found, 11};
  res.body() = "Not found\n";
  apply_byte_range(res, "bytes=0-1");
  CHECK(res.result() == http::status::not_found);
  CHECK(res.body() == "Not found\n");
  CHECK(res[http::field::accept_ranges].empty());
}
