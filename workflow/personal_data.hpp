// Personal data in a text that is about to be published: French and international phone
// numbers, email addresses, French social security numbers (NIR, checked by their key), IBANs
// (checked by ISO 13616 mod 97) and street addresses (French and English patterns). Pure
// functions over UTF-8 text; the checks stage turns each hit into a finding. Numbers are only
// reported when their checksum holds, so a reference or an amount is not mistaken for one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relais::workflow {

enum class PersonalDataKind { phone, email, nir, iban, street_address };

std::string_view to_string(PersonalDataKind k);

struct PersonalDataHit {
  PersonalDataKind kind;
  std::size_t offset = 0;  // bytes into the text
  std::size_t length = 0;
  std::string masked;  // what the agent is shown: the first characters, the rest as '•'
};

// Every hit, in text order, none overlapping (the first kind found at a place wins).
std::vector<PersonalDataHit> find_personal_data(std::string_view text);

// The checks behind the patterns, exposed for their tests.
bool nir_key_valid(std::string_view digits15);  // 13 characters (2A/2B allowed) + 2-digit key
bool iban_valid(std::string_view compact);      // no spaces, upper case

}  // namespace relais::workflow
