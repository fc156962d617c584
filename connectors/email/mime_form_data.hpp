// Reads the body of an HTML form POST (multipart/form-data, RFC 7578, through GMime; or
// application/x-www-form-urlencoded) into text fields and uploaded files. Fails with a sentence
// (invalid_input) on a body over its limits, a missing boundary, a truncated body or an
// unsupported content type; never throws on hostile input.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/result.hpp"

namespace relais::connectors::email {

struct FormLimits {
  std::size_t max_total_bytes = 26214400;  // the whole body
  std::size_t max_parts = 250;             // every part, fields and files (multipart only)
  std::size_t max_file_parts = 200;        // parts that carry a non-empty file
};

struct FormFile {
  std::string field;         // the form field's name
  std::string filename;      // decoded (RFC 7578 / RFC 5987 filename*), sanitised like mail
                             // attachment names; a label, never a path
  std::string content_type;  // lowercase as the browser declared it; application/octet-stream
                             // when absent
  std::string data;          // the bytes as sent
};

struct FormData {
  // name -> value, first occurrence wins; values are valid UTF-8 with line ends as "\n".
  std::map<std::string, std::string> fields;
  // Non-empty files only: an empty <input type=file> sends a nameless empty part, not a file.
  std::vector<FormFile> files;

  // The value of a field, or "" when the form did not send it.
  const std::string& field(const std::string& name) const;
};

// content_type: the request's Content-Type header value (parameters included).
Result<FormData> parse_form_body(std::string_view content_type, std::string_view body,
                                 const FormLimits& limits);

}  // namespace relais::connectors::email
