#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "connectors/webhook/embedded_schemas.hpp"
#include "connectors/webhook/json_schema.hpp"

namespace json = boost::json;
using relais::connectors::webhook::embedded_schema;
using relais::connectors::webhook::validate;

namespace {

json::value schema_of(std::string_view kind) {
  auto text = embedded_schema(std::string("hooks/") + std::string(kind) + ".schema.json");
  REQUIRE(text.has_value());
  return json::parse(*text);
}

// "pointer: message" of each problem, for compact checks.
std::vector<std::string> problems(const json::value& schema, std::string_view body) {
  std::vector<std::string> out;
  for (const auto& e : validate(schema, json::parse(body)))
    out.push_back(e.pointer + ": " + e.message);
  return out;
}

}  // namespace

TEST_CASE("the hook schemas are embedded and accept their documented examples") {
  const auto submission = schema_of("submission");
  CHECK(problems(submission, R"({"sender": "agent@example.org", "subject": "Fête",
      "text": "Samedi…", "networks": ["site"],
      "media": [{"filename": "a.jpg", "content_type": "image/jpeg", "data": "/9j/4AAQ"},
                {"filename": "b.jpg", "url": "https://intranet.example.org/b.jpg"}]})")
            .empty());
  CHECK(problems(schema_of("takedown"),
                 R"({"requester": "lea@example.net", "text": "Retirez la photo",
                     "urls": ["https://example.org/actu/1"], "language": "fr"})")
            .empty());
  CHECK(problems(schema_of("decision"), R"({"reference": "PUB-2026-0042", "decision": "approve",
      "publish_at": "2026-12-01T18:30:00+01:00", "channels": ["site"]})")
            .empty());
  CHECK(embedded_schema("config.schema.json").has_value());
  CHECK_FALSE(embedded_schema("../etc/passwd").has_value());
}

TEST_CASE("each problem names the field") {
  const auto submission = schema_of("submission");
  CHECK(problems(submission, R"({"subject": "x", "text": "y"})") ==
        std::vector<std::string>{"/sender: is required"});
  CHECK(problems(submission, R"({"sender": "not an address", "subject": "x", "text": "y"})") ==
        std::vector<std::string>{"/sender: must be an e-mail address"});
  CHECK(problems(submission, R"({"sender": "a@example.org", "subject": "", "text": 3})") ==
        std::vector<std::string>{"/subject: must not be empty",
                                 "/text: must be a string, not integer"});
  CHECK(problems(submission,
                 R"({"sender": "a@example.org", "subject": "x", "text": "y", "colour": 1})") ==
        std::vector<std::string>{"/colour: is not a known field"});
  // A file with both forms, or neither.
  auto both = problems(submission, R"({"sender": "a@example.org", "subject": "x", "text": "y",
      "media": [{"filename": "a.jpg", "data": "AA==", "url": "https://h/a.jpg"}]})");
  REQUIRE(both.size() == 1);
  CHECK(both[0] == "/media/0: matches more than one of the allowed forms");
  CHECK(problems(submission, R"({"sender": "a@example.org", "subject": "x", "text": "y",
      "media": [{"filename": "a.jpg"}]})") ==
        std::vector<std::string>{"/media/0: a file needs exactly one of data (base64) or url"});
  CHECK(problems(submission, R"({"sender": "a@example.org", "subject": "x", "text": "y",
      "media": [{"filename": "a.jpg", "url": "ftp://h/a.jpg"}]})")
            .at(0)
            .starts_with("/media/0"));

  const auto decision = schema_of("decision");
  CHECK(problems(decision, R"({"reference": "PUB-2026-0042", "decision": "maybe"})") ==
        std::vector<std::string>{
            R"(/decision: must be one of "approve", "reject", "request_changes")"});
  CHECK(problems(decision, R"({"reference": "PUB-42", "decision": "approve"})")
            .at(0)
            .starts_with("/reference: does not have the expected form"));
  CHECK(problems(decision, R"({"reference": "PUB-2026-0042", "decision": "approve",
      "publish_at": "demain"})")
            .at(0)
            .starts_with("/publish_at: must be a date and time"));
  CHECK(problems(decision, R"([1, 2])") ==
        std::vector<std::string>{": must be an object, not array"});
}

TEST_CASE("lengths count characters, limits and keys with / in them") {
  json::value s = json::parse(R"({"type": "object", "properties": {
      "a/b": {"type": "string", "maxLength": 3}},
      "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 9}})");
  CHECK(problems(s, R"({"a/b": "été"})").empty());
  CHECK(problems(s, R"({"a/b": "étés"})") ==
        std::vector<std::string>{"/a~1b: must be at most 3 characters long (got 4)"});
  CHECK(problems(s, R"({"n": 10, "m": -1, "k": 1.5})") ==
        std::vector<std::string>{"/n: must be at most 9", "/m: must be at least 0",
                                 "/k: must be an integer, not number"});
  json::value list = json::parse(R"({"type": "array", "maxItems": 2, "items": {"type": "null"}})");
  CHECK(problems(list, "[null, null, null]") ==
        std::vector<std::string>{": must hold at most 2 items (got 3)"});
  // A very long string against a pattern is refused without running the regex.
  json::value pattern = json::parse(R"({"type": "string", "pattern": "^A+$"})");
  CHECK(problems(pattern, "\"" + std::string(1000000, 'A') + "\"") ==
        std::vector<std::string>{": is too long to be checked (more than 2048 bytes)"});
  CHECK(problems(pattern, "\"" + std::string(2048, 'A') + "\"").empty());
  json::value many = json::parse(R"({"type": "array", "items": {"type": "string"}})");
  std::string body = "[";
  for (int i = 0; i < 100; ++i)
    body += (i ? ",1" : "1");
  body += "]";
  CHECK(validate(many, json::parse(body)).size() == 20);
}
