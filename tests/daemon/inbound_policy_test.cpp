// Who may submit and what an inbound message is: allowed senders by domain, subdomain and full
// address (look-alike domains refused), references in subjects, and the classification order.
#include <doctest/doctest.h>

#include "daemon/inbound_policy.hpp"

using namespace relais::daemon;

namespace {

const std::vector<std::string> kAllowed{"example.org", "partner@other.net"};

InboundFacts facts(std::string from, std::vector<std::string> to = {"publications@example.org"}) {
  InboundFacts f;
  f.envelope_from = from;
  f.from_address = std::move(from);
  f.recipients = std::move(to);
  return f;
}

}  // namespace

TEST_CASE("sender_allowed: domains match themselves and their subdomains") {
  CHECK(sender_allowed("agent@example.org", kAllowed));
  CHECK(sender_allowed("agent@mairie.example.org", kAllowed));
  CHECK(sender_allowed("agent@a.b.example.org", kAllowed));
}

TEST_CASE("sender_allowed: look-alike domains do not match") {
  CHECK_FALSE(sender_allowed("agent@evilexample.org", kAllowed));
  CHECK_FALSE(sender_allowed("agent@example.org.evil.net", kAllowed));
  CHECK_FALSE(sender_allowed("agent@example.org.", kAllowed));
  CHECK_FALSE(sender_allowed("agent@xample.org", kAllowed));
  CHECK_FALSE(sender_allowed("agent@example.com", kAllowed));
  CHECK_FALSE(sender_allowed("agent@org", kAllowed));
  CHECK_FALSE(sender_allowed("example.org@evil.net", kAllowed));
}

TEST_CASE("sender_allowed: a full address matches only itself") {
  CHECK(sender_allowed("partner@other.net", kAllowed));
  CHECK_FALSE(sender_allowed("someone@other.net", kAllowed));
  CHECK_FALSE(sender_allowed("partner@sub.other.net", kAllowed));
  CHECK_FALSE(sender_allowed("xpartner@other.net", kAllowed));
}

TEST_CASE("sender_allowed: case does not matter on either side") {
  CHECK(sender_allowed("Agent@EXAMPLE.Org", kAllowed));
  CHECK(sender_allowed("PARTNER@Other.NET", kAllowed));
  CHECK(sender_allowed("agent@example.org", {"Example.ORG"}));
  CHECK(sender_allowed("partner@other.net", {"Partner@OTHER.net"}));
}

TEST_CASE("sender_allowed: malformed addresses and empty lists are refused") {
  CHECK_FALSE(sender_allowed("", kAllowed));
  CHECK_FALSE(sender_allowed("agent", kAllowed));
  CHECK_FALSE(sender_allowed("@example.org", kAllowed));
  CHECK_FALSE(sender_allowed("agent@", kAllowed));
  CHECK_FALSE(sender_allowed("example.org", kAllowed));
  CHECK_FALSE(sender_allowed("agent@example.org", {}));
  // The domain is what follows the last '@'.
  CHECK_FALSE(sender_allowed("agent@example.org@evil.net", kAllowed));
}

TEST_CASE("reference_in finds a reference, upper-cased") {
  CHECK(reference_in("Re: PUB-2026-0042 Inauguration") == "PUB-2026-0042");
  CHECK(reference_in("Re: [pub-2026-0042] photos") == "PUB-2026-0042");
  CHECK(reference_in("PUB-2026-0042") == "PUB-2026-0042");
  CHECK(reference_in("Re: (PUB-2026-12345)") == "PUB-2026-12345");
  CHECK(reference_in("first PUB-2026-0001 then PUB-2026-0002") == "PUB-2026-0001");
}

TEST_CASE("reference_in ignores what only looks like a reference") {
  CHECK_FALSE(reference_in(""));
  CHECK_FALSE(reference_in("Inauguration de la médiathèque"));
  CHECK_FALSE(reference_in("PUB-2026-042"));    // too few digits
  CHECK_FALSE(reference_in("PUB-26-0042"));     // short year
  CHECK_FALSE(reference_in("XPUB-2026-0042"));  // glued to a word
  CHECK_FALSE(reference_in("PUB 2026 0042"));
  CHECK_FALSE(reference_in("PUB-ABCD-0042"));
}

TEST_CASE("classify: the null sender and automatic mail come first, whatever else is true") {
  auto f = facts("agent@example.org", {"droit-image@example.org"});
  f.envelope_from.clear();  // a bounce
  f.in_known_thread = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::automatic);

  auto g = facts("agent@example.org", {"droit-image@example.org"});
  g.automatic = true;  // an auto-reply to the takedown address is not a takedown request
  CHECK(classify(g, "droit-image@example.org", kAllowed) == InboundKind::automatic);

  auto h = facts("stranger@elsewhere.net");
  h.automatic = true;
  CHECK(classify(h, "droit-image@example.org", kAllowed) == InboundKind::automatic);
}

TEST_CASE("classify: anyone may write to the takedown address, in any case") {
  CHECK(classify(facts("stranger@elsewhere.net", {"droit-image@example.org"}),
                 "droit-image@example.org", kAllowed) == InboundKind::takedown);
  CHECK(
      classify(facts("agent@example.org", {"publications@example.org", "Droit-Image@Example.ORG"}),
               "droit-image@example.org", kAllowed) == InboundKind::takedown);
  auto f = facts("agent@example.org", {"droit-image@example.org"});
  f.in_known_thread = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::takedown);
}

TEST_CASE("classify: senders who may not submit are refused, even in a known thread") {
  CHECK(classify(facts("stranger@evilexample.org"), "droit-image@example.org", kAllowed) ==
        InboundKind::refused);
  auto f = facts("stranger@elsewhere.net");
  f.in_known_thread = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::refused);
  // The header From decides, not the envelope sender.
  auto g = facts("agent@example.org");
  g.from_address = "stranger@elsewhere.net";
  CHECK(classify(g, "droit-image@example.org", kAllowed) == InboundKind::refused);
}

TEST_CASE("classify: an allowed sender replies in a known thread, else submits") {
  auto f = facts("agent@example.org");
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::submission);
  f.in_known_thread = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::reply);
  CHECK(classify(facts("partner@other.net"), "droit-image@example.org", kAllowed) ==
        InboundKind::submission);
  CHECK(classify(facts("agent@example.org", {}), "droit-image@example.org", kAllowed) ==
        InboundKind::submission);
}

TEST_CASE("classify: the referent answering in a thread need not be an allowed sender") {
  auto f = facts("referent@mairie.example.net");
  f.in_known_thread = true;
  f.from_referent = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::referent_answer);
  // Outside a thread, the referent's mail is an ordinary one.
  f.in_known_thread = false;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::refused);
  // Automatic mail from the referent (an out-of-office reply) is never a decision.
  f.in_known_thread = true;
  f.automatic = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::automatic);
}

TEST_CASE("InboundKind names") {
  CHECK(to_string(InboundKind::referent_answer) == "referent_answer");
  CHECK(to_string(InboundKind::submission) == "submission");
  CHECK(to_string(InboundKind::reply) == "reply");
  CHECK(to_string(InboundKind::takedown) == "takedown");
  CHECK(to_string(InboundKind::refused) == "refused");
  CHECK(to_string(InboundKind::automatic) == "automatic");
}

TEST_CASE("reference_in with another prefix finds a takedown case") {
  CHECK(reference_in("Re: Votre demande DI-2026-0007 a bien été reçue", "DI") == "DI-2026-0007");
  CHECK(reference_in("Re: di-2026-0007", "DI") == "DI-2026-0007");
  CHECK_FALSE(reference_in("Re: PUB-2026-0007", "DI"));
  CHECK_FALSE(reference_in("Re: DI-2026-0007", "PUB"));
  CHECK_FALSE(reference_in("MEDI-2026-0007", "DI"));
}

TEST_CASE("classify: a takedown requester answering us joins the case, from anywhere") {
  auto f = facts("habitant@exterieur.net");  // to the submission address, unknown domain
  f.in_case_thread = true;
  CHECK(classify(f, "droit-image@example.org", kAllowed) == InboundKind::case_reply);
  auto g = facts("habitant@exterieur.net", {"droit-image@example.org"});
  g.in_case_thread = true;
  CHECK(classify(g, "droit-image@example.org", kAllowed) == InboundKind::case_reply);
  auto h = facts("habitant@exterieur.net");
  h.in_case_thread = true;
  h.automatic = true;  // an out-of-office answer to our acknowledgement
  CHECK(classify(h, "droit-image@example.org", kAllowed) == InboundKind::automatic);
  auto agent = facts("agent@example.org");  // the agent answering the "taken down" mail
  agent.in_known_thread = true;
  agent.in_case_thread = true;
  CHECK(classify(agent, "droit-image@example.org", kAllowed) == InboundKind::reply);
}
