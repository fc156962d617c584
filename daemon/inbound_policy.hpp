// Who may submit, and what an inbound message is: pure decisions over the envelope and the
// parsed message, so that each rule has its test.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relais::daemon {

enum class InboundKind {
  submission,       // a new request from an allowed sender
  reply,            // in the thread of an existing request (by headers or reference in subject)
  referent_answer,  // the same, from the referent's or the backup's address
  takedown,         // sent to the takedown address: anyone may
  case_reply,       // in the thread of an open takedown case (by headers, or its DI- reference in
               // the subject from the requester's address): anyone may, to any of our addresses
  refused,    // from a sender who may not submit: politely refused
  automatic,  // auto-replies, bulk, lists, bounces: stored, never answered
};

std::string_view to_string(InboundKind k);

// `allowed`: domains ("example.org", also matching subdomains) or full addresses.
bool sender_allowed(std::string_view address, const std::vector<std::string>& allowed);

// A reference such as "PUB-2026-0042" (or "DI-2026-0007" with prefix "DI") found in a subject,
// upper-cased.
std::optional<std::string> reference_in(std::string_view subject, std::string_view prefix = "PUB");

struct InboundFacts {
  std::string envelope_from;  // empty: the null sender
  std::vector<std::string> recipients;
  std::string from_address;
  bool automatic = false;  // Auto-Submitted / Precedence / List-* headers
  bool in_known_thread = false;
  bool in_case_thread = false;
  bool from_referent = false;  // From is the referent's or the backup's address
};

InboundKind classify(const InboundFacts& facts, std::string_view takedown_address,
                     const std::vector<std::string>& allowed_senders);

}  // namespace relais::daemon
