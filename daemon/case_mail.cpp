// Links to the referent are one per unconfirmed candidate plus one "none of these"; each is
// a single-use case token (workflow/case_desk.hpp). The requester's mails thread on their
// own message, so that their mail client shows one conversation.
#include "daemon/case_mail.hpp"
#include "workflow/text_length.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "daemon/local_time.hpp"
#include "workflow/approval_token.hpp"

namespace relais::daemon {
namespace json = boost::json;
using namespace workflow;

namespace {

std::string basis_label(const std::string& basis, const std::string& lang) {
  const bool en = lang == "en";
  if (basis == "url")
    return en ? "link to the post" : "lien vers la publication";
  if (basis == "reference")
    return en ? "reference of the publication" : "référence de la publication";
  if (basis == "sha256")
    return en ? "the same photo file" : "le même fichier photo";
  if (basis == "phash")
    return en ? "a photo that looks the same" : "une photo visuellement identique";
  if (basis == "person")
    return en ? "a person of the consent registry" : "une personne du registre des consentements";
  if (basis == "consent")
    return en ? "consent withdrawn" : "consentement retiré";
  return en ? "recent publication" : "publication récente";
}

}  // namespace

json::object case_context(Store& store, const TakedownCase& c, const Services& s) {
  const auto& lang = c.language;
  json::object ctx;
  ctx["case_reference"] = c.reference;
  ctx["requester"] = c.requester.empty() ? (lang == "en" ? "(unknown)" : "(inconnu)") : c.requester;
  ctx["requester_name"] = c.requester_name;
  ctx["received_at"] = format_local(c.received_at, lang);
  ctx["deadline"] = format_local(c.deadline_at, lang);
  ctx["deadline_days"] = s.config.takedown.deadline_days;
  ctx["text"] = workflow::shortened(c.text, 2000);
  ctx["state"] = to_string(c.state);
  ctx["origin_" + c.origin] = true;
  ctx["note"] = c.note;
  const auto evidence = store.case_evidence(c.id);
  ctx["attachment_count"] = evidence.size();
  const auto limit = static_cast<std::size_t>(s.config.takedown.max_attachments);
  ctx["not_compared"] = evidence.size() > limit ? evidence.size() - limit : 0;
  ctx["max_attachments"] = limit;

  json::array matches, removed, candidates;
  std::vector<std::int64_t> seen;
  for (const auto& m : store.case_matches(c.id)) {
    auto r = store.load_request(m.request_id);
    if (!r)
      continue;
    json::object item{{"match_id", m.id},
                      {"reference", r->reference},
                      {"subject", r->subject},
                      {"state", to_string(r->state)},
                      {"basis", basis_label(m.basis, lang)},
                      {"certain", m.certain},
                      {"confirmed", m.confirmed_at.has_value()}};
    if (m.distance)
      item["distance"] = *m.distance;
    json::array posts;
    for (const auto& ch : r->channels) {
      if (!ch.url.empty())
        posts.push_back(
            {{"channel", ch.channel}, {"url", ch.url}, {"status", to_string(ch.status)}});
    }
    item["posts"] = std::move(posts);
    matches.push_back(item);
    if (m.confirmed_at && std::find(seen.begin(), seen.end(), r->id) == seen.end()) {
      seen.push_back(r->id);
      removed.push_back(item);
    } else if (!m.confirmed_at) {
      candidates.push_back(item);
    }
  }
  ctx["has_removed"] = !removed.empty();
  ctx["has_candidates"] = !candidates.empty();
  ctx["matches"] = std::move(matches);
  ctx["removed"] = std::move(removed);
  ctx["candidates"] = std::move(candidates);
  return ctx;
}

void prepare_case_mail(Store& store, const json::object& payload, MailJob& job, const Services& s,
                       TimePoint now) {
  const auto* id = payload.if_contains("case_id");
  auto c = id && id->is_int64() ? store.load_case(id->as_int64()) : std::nullopt;
  if (!c) {
    job.skip_reason = "the takedown case no longer exists";
    return;
  }
  const auto* r = payload.if_contains("recipient");
  const std::string recipient = r && r->is_string() ? std::string(r->as_string()) : "";
  job.language = c->language;
  job.context = case_context(store, *c, s);
  if (const auto* a = payload.if_contains("answers"); a && a->is_bool() && a->as_bool())
    job.answers_case = c->id;
  if (recipient == "requester") {
    if (c->requester.empty()) {
      job.skip_reason = "the case has no requester address";
      return;
    }
    job.to = {c->requester};
    if (!c->thread_id.empty()) {
      job.in_reply_to = c->thread_id;
      job.references = {c->thread_id};
    }
  } else if (recipient == "referent") {
    job.to = {s.config.referent.address};
    if (!s.config.referent.backup_address.empty())
      job.to.push_back(s.config.referent.backup_address);
  } else {
    job.to = {recipient};
  }
  if (job.request_id) {
    if (auto request = store.load_request(*job.request_id)) {
      job.context["reference"] = request->reference;
      job.context["subject"] = request->subject;
      job.language = request->language;
    }
  }

  const std::string base = s.config.http.public_url;
  if (job.template_name == "takedown_confirm_email") {
    auto raw = s.cases.issue_link(store, *c, std::nullopt, "confirm_email", c->requester,
                                  random_token_bytes(), now);
    job.context["confirm_url"] = fmt::format("{}/takedown/confirm/{}", base, raw);
  }
  if (recipient == "referent" &&
      (c->state == CaseState::matched || c->state == CaseState::unmatched)) {
    auto& candidates = job.context["candidates"].as_array();
    for (auto& item : candidates) {
      auto& o = item.as_object();
      auto raw = s.cases.issue_link(store, *c, o["match_id"].as_int64(), "confirm_removal",
                                    job.to.front(), random_token_bytes(), now);
      o["confirm_url"] = fmt::format("{}/t/{}", base, raw);
    }
    if (c->state == CaseState::unmatched) {
      auto raw = s.cases.issue_link(store, *c, std::nullopt, "declare_unmatched", job.to.front(),
                                    random_token_bytes(), now);
      job.context["none_url"] = fmt::format("{}/t/{}", base, raw);
    }
  }
}

}  // namespace relais::daemon
