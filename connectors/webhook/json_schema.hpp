// A JSON Schema (2020-12) validator for the subset relais's own schemas use, so that the files
// in schemas/hooks/ are the one statement of what a webhook body may hold: type, enum, const,
// properties, required, additionalProperties (false or a schema), items, minItems, maxItems,
// minLength, maxLength (in characters), pattern, minimum, maximum, oneOf, and format "email"
// and "date-time" (checked). Other keywords ("title", "description", "$id", "examples"...)
// are ignored. A keyword the validator does not know that would constrain the value is a
// programming error caught by the tests of the schemas themselves.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace relais::connectors::webhook {

struct SchemaError {
  std::string pointer;  // JSON Pointer of the offending value ("" for the root): "/media/0/url"
  std::string message;  // a sentence for the sender's developer
};

// Every problem of `value` (stops at 20); empty when it is valid.
std::vector<SchemaError> validate(const boost::json::value& schema,
                                  const boost::json::value& value);

}  // namespace relais::connectors::webhook
