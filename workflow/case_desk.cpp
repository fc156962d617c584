// The takedown desk (see case_desk.hpp). The case moves only along kCaseSteps; every move is
// a compare-and-set on the case's version plus one audit row (kind "case"); decisions that do
// not move it (a confirmed address, a referent's "nothing matches") get a row of their own.
#include "workflow/case_desk.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "workflow/approval_token.hpp"
#include "workflow/case_matching.hpp"

namespace relais::workflow {
namespace {

using C = CaseState;

struct CaseStep {
  CaseState from;
  std::string_view event;
  CaseState to;
};

// The case's life as data, read `from + event = to` (SPEC section 2).
constexpr std::array<CaseStep, 15> kCaseSteps{{
    {C::received, "matched", C::matched},   // certain match, or one to confirm
    {C::unmatched, "matched", C::matched},  // a certain match in what the requester sent later
    {C::executed, "matched", C::matched},
    {C::answered, "matched", C::matched},
    {C::received, "unmatched", C::unmatched},         // only uncertain candidates, or none
    {C::unmatched, "removal_confirmed", C::matched},  // the referent picked a candidate
    {C::matched, "removal_confirmed", C::matched},
    {C::executed, "removal_confirmed", C::matched},  // a further candidate, after the first
    {C::answered, "removal_confirmed", C::matched},
    {C::matched, "removed_everywhere", C::executed},
    {C::executed, "answer_sent", C::answered},
    {C::unmatched, "answer_sent", C::answered},  // told that nothing was found
    {C::matched, "answer_sent", C::matched},     // an answer while removals are pending
    {C::answered, "closed", C::closed},
    {C::unmatched, "closed", C::closed},
}};

// A request is "removed everywhere" when no channel still shows it or is being emptied.
bool removed_everywhere(const Request& r) {
  if (is_live(r.state))
    return false;
  return std::none_of(r.channels.begin(), r.channels.end(), [](const ChannelPost& c) {
    return c.status == ChannelStatus::published || c.status == ChannelStatus::removing ||
           c.status == ChannelStatus::unconfirmed;
  });
}

int year_of(TimePoint t) {
  return static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(t)).year());
}

std::shared_ptr<spdlog::logger> log() {
  static auto logger = [] {
    auto l = spdlog::get("takedown");
    return l ? l : spdlog::default_logger()->clone("takedown");
  }();
  return logger;
}

}  // namespace

bool case_step_allowed(CaseState from, std::string_view event, CaseState to) {
  return std::any_of(kCaseSteps.begin(), kCaseSteps.end(), [&](const CaseStep& s) {
    return s.from == from && s.event == event && s.to == to;
  });
}

bool CaseDesk::move(Store& store, TakedownCase& c, CaseState to, std::string_view event,
                    const std::string& actor, const std::string& source, const std::string& detail,
                    TimePoint at) {
  if (!case_step_allowed(c.state, event, to)) {
    log()->info("case step refused case={} state={} event={}", c.reference, to_string(c.state),
                event);
    return false;
  }
  const CaseState from = c.state;
  c.state = to;
  c.version += 1;
  c.updated_at = at;
  if (to == C::executed)
    c.executed_at = at;
  if (to == C::answered)
    c.answered_at = at;
  if (to == C::closed)
    c.closed_at = at;
  if (!store.save_case(c))
    throw SqliteError(0, "the takedown case changed meanwhile");
  AuditRow row;
  row.kind = "case";
  row.case_id = c.id;
  row.from_state = std::string(to_string(from));
  row.to_state = std::string(to_string(to));
  row.event = std::string(event);
  row.actor = actor;
  row.source = source;
  row.detail = detail;
  row.at = at;
  store.append_transition(row);
  log()->info("case transition case={} event={} from={} to={}", c.reference, event, to_string(from),
              to_string(to));
  return true;
}

void CaseDesk::note(Store& store, TakedownCase& c, std::string_view event, const std::string& actor,
                    const std::string& source, const std::string& detail, TimePoint at) {
  c.version += 1;
  c.updated_at = at;
  if (!store.save_case(c))
    throw SqliteError(0, "the takedown case changed meanwhile");
  AuditRow row;
  row.kind = "decision";
  row.case_id = c.id;
  row.from_state = row.to_state = std::string(to_string(c.state));
  row.event = std::string(event);
  row.actor = actor;
  row.source = source;
  row.detail = detail;
  row.at = at;
  store.append_transition(row);
  log()->info("case decision case={} event={}", c.reference, event);
}

void CaseDesk::mail(Store& store, const TakedownCase& c, std::string_view name,
                    std::string_view recipient, TimePoint at, bool answers,
                    std::optional<std::int64_t> request_id) {
  if (recipient.empty())
    return;
  boost::json::object payload{{"name", name}, {"recipient", recipient}, {"case_id", c.id}};
  if (answers)
    payload["answers"] = true;
  OutboxRow row;
  row.request_id = request_id;
  row.effect_key =
      fmt::format("case:{}:{}:{}:{}:{}", c.id, c.version, name, recipient, request_id.value_or(0));
  row.kind = EffectKind::mail;
  row.payload = boost::json::serialize(payload);
  row.due_at = at;
  store.enqueue(row);
}

void CaseDesk::arm_deadline(Store& store, const TakedownCase& c, TimePoint at) {
  std::vector<CaseTimerRow> timers;
  const auto day = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(1));
  const auto first = c.deadline_at - settings_.reminder_days * day;
  if (first > at)
    timers.push_back({0, c.id, CaseTimerKind::reminder, first});
  if (c.deadline_at - day > at && c.deadline_at - day != first)
    timers.push_back({0, c.id, CaseTimerKind::reminder, c.deadline_at - day});
  timers.push_back({0, c.id, CaseTimerKind::overdue, c.deadline_at});
  store.replace_case_timers(c.id, timers);
}

void CaseDesk::execute(Store& store, const TakedownCase& c, const CaseMatch& m,
                       const std::string& actor, const std::string& source, TimePoint at) {
  store.confirm_case_match(m.id, actor, at);
  auto r = store.load_request(m.request_id);
  if (!r)
    return;
  if (is_live(r->state)) {
    Event e;
    e.kind = EventKind::takedown;
    e.at = at;
    e.actor = actor;
    e.source = source;
    e.reason = c.reference;
    auto handled = engine_.handle(store, r->id, e);
    if (!handled.applied) {
      log()->warn("case takedown refused case={} request={} reason=\"{}\"", c.reference,
                  r->reference, handled.refusal);
    }
  }
  // Every file of a taken-down publication stays out for good, whichever one was matched.
  for (const auto& media : store.media_of(r->id))
    store.block_media(media, c.id, at);
  log()->info("case removal case={} request={} basis={} certain={}", c.reference, r->reference,
              m.basis, m.certain);
}

void CaseDesk::send_to_referent(Store& store, TakedownCase& c, const std::string& actor,
                                const std::string& source, TimePoint at) {
  auto matches = store.case_matches(c.id);
  if (matches.empty()) {
    for (auto id : store.recent_publications(5)) {
      store.insert_case_match(
          {0, c.id, id, std::nullopt, "recent", false, std::nullopt, "", std::nullopt, ""});
    }
  }
  move(store, c, C::unmatched, "unmatched", actor, source,
       fmt::format("{{\"candidates\":{}}}", store.case_matches(c.id).size()), at);
  mail(store, c, "takedown_referent", "referent", at);
}

Opened CaseDesk::open(Store& store, const CaseDraft& draft, TimePoint at) {
  TakedownCase c;
  c.reference = store.next_case_reference(year_of(at));
  c.state = C::received;
  c.version = 1;
  c.origin = draft.origin;
  c.requester = draft.requester;
  c.requester_name = draft.requester_name;
  c.text = draft.subject.empty() ? draft.text : draft.subject + "\n\n" + draft.text;
  c.language = draft.language;
  c.thread_id = draft.message_id;
  c.email_confirmed = draft.email_confirmed;
  c.received_at = c.updated_at = at;
  c.deadline_at = at + std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::days(settings_.deadline_days));
  c.id = store.insert_case(c);
  AuditRow opened;
  opened.kind = "case";
  opened.case_id = c.id;
  opened.to_state = "received";
  opened.event = "opened";
  opened.actor = draft.actor;
  opened.source = draft.source;
  opened.detail = boost::json::serialize(
      boost::json::object{{"origin", draft.origin}, {"evidence", draft.evidence.size()}});
  opened.at = at;
  store.append_transition(opened);

  int position = 0;
  for (const auto& ev : draft.evidence) {
    MediaRow row{0, c.id, position, ev.sha256, ev.content_type, ev.filename, ev.size, ev.hashes};
    store.insert_case_evidence(c.id, position, row, position < settings_.max_attachments);
    ++position;
  }
  const MatchSettings ms{settings_.match_distance, settings_.match_distance + 8,
                         settings_.max_attachments};
  auto found = find_matches(store, draft, ms);
  for (auto& m : found) {
    m.case_id = c.id;
    m.id = store.insert_case_match(m);
  }
  const bool any_certain =
      std::any_of(found.begin(), found.end(), [](const CaseMatch& m) { return m.certain; });
  log()->info("case opened case={} origin={} evidence={} candidates={} certain={}", c.reference,
              draft.origin, draft.evidence.size(), found.size(), any_certain);

  Opened result;
  arm_deadline(store, c, at);
  if (any_certain) {
    // A certain match needs no confirmation of the address: removing is what was asked,
    // and nothing is lost that the referent cannot put back by a new request.
    mail(store, c, "takedown_ack", "requester", at);
    move(store, c, C::matched, "matched", draft.actor, draft.source,
         fmt::format("{{\"certain\":{},\"automatic\":{}}}", found.size(), settings_.automatic), at);
    if (settings_.automatic) {
      for (const auto& m : found) {
        if (m.certain)
          execute(store, c, m, "relais:automatic", "case:" + c.reference, at);
      }
    }
    mail(store, c, "takedown_referent", "referent", at);
    for (const auto& m : found) {
      if (m.certain)
        request_progressed(store, m.request_id, at);
    }
  } else if (!c.email_confirmed) {
    // Nothing certain from an unconfirmed address: the referent is not troubled with (or
    // flooded by) requests until the address answers the confirmation link.
    mail(store, c, "takedown_confirm_email", "requester", at);
    result.needs_email_confirmation = true;
  } else {
    mail(store, c, "takedown_ack", "requester", at);
    send_to_referent(store, c, draft.actor, draft.source, at);
  }
  result.takedown = *store.load_case(c.id);
  result.matches = store.case_matches(c.id);
  return result;
}

std::variant<CaseTokenRow, std::string> CaseDesk::take_link(Store& store,
                                                            std::string_view token_hash,
                                                            std::string_view purpose,
                                                            TimePoint at) {
  if (auto problem = link_problem(store, token_hash, purpose, at))
    return *problem;
  auto t = store.find_case_token(token_hash);
  if (!store.use_case_token(t->id, at))
    return std::string("Ce lien a déjà été utilisé.");
  return *t;
}

std::optional<std::string> CaseDesk::link_problem(Store& store, std::string_view token_hash,
                                                  std::string_view purpose, TimePoint now) const {
  auto t = store.find_case_token(token_hash);
  if (!t || t->purpose != purpose)
    return "Ce lien n'est pas reconnu. Vérifiez qu'il a été copié en entier.";
  if (t->used_at)
    return "Ce lien a déjà été utilisé.";
  if (t->expires_at <= now)
    return "Ce lien a expiré.";
  auto c = store.load_case(t->case_id);
  if (!c || c->state == C::closed)
    return "Cette demande de retrait est close.";
  if (t->match_id) {
    auto m = store.load_case_match(*t->match_id);
    if (!m || m->confirmed_at)
      return "Ce retrait a déjà été confirmé.";
  }
  return std::nullopt;
}

std::string CaseDesk::issue_link(Store& store, const TakedownCase& c,
                                 std::optional<std::int64_t> match_id, std::string_view purpose,
                                 std::string_view recipient, std::string_view random_bytes,
                                 TimePoint now, std::optional<TimePoint> expires_at) const {
  const std::string raw = base64url(random_bytes);
  CaseTokenRow t;
  t.hash = token_hash(raw);
  t.case_id = c.id;
  t.match_id = match_id;
  t.purpose = std::string(purpose);
  t.recipient = std::string(recipient);
  t.version = c.version;
  t.expires_at = expires_at.value_or(
      now + std::chrono::duration_cast<std::chrono::milliseconds>(settings_.link_ttl));
  t.created_at = now;
  store.insert_case_token(t);
  return raw;
}

std::variant<TakedownCase, std::string> CaseDesk::confirm_email(Store& store,
                                                                std::string_view token_hash,
                                                                TimePoint at) {
  auto taken = take_link(store, token_hash, "confirm_email", at);
  if (auto* why = std::get_if<std::string>(&taken))
    return *why;
  auto c = *store.load_case(std::get<CaseTokenRow>(taken).case_id);
  const std::string actor = "requester:" + c.requester;
  c.email_confirmed = true;
  note(store, c, "email_confirmed", actor, "link", "", at);
  if (c.state == C::received) {
    mail(store, c, "takedown_ack", "requester", at);
    send_to_referent(store, c, actor, "link", at);
  }
  return *store.load_case(c.id);
}

std::optional<TakedownCase> CaseDesk::requester_wrote(Store& store, std::int64_t case_id,
                                                      const CaseDraft& more, TimePoint at) {
  auto loaded = store.load_case(case_id);
  if (!loaded || loaded->state == C::closed || loaded->erased_at)
    return std::nullopt;
  TakedownCase c = *loaded;
  const std::string added = more.subject.empty() ? more.text : more.subject + "\n\n" + more.text;
  if (!added.empty())
    c.text += "\n\n---\n" + added;
  note(store, c, "requester_wrote", more.actor, more.source,
       fmt::format("{{\"evidence\":{}}}", more.evidence.size()), at);

  int position = static_cast<int>(store.case_evidence(c.id).size());
  for (const auto& ev : more.evidence) {
    MediaRow row{0, c.id, position, ev.sha256, ev.content_type, ev.filename, ev.size, ev.hashes};
    store.insert_case_evidence(c.id, position, row, position < settings_.max_attachments);
    ++position;
  }
  CaseDraft probe = more;
  probe.requester = c.requester;
  probe.requests.clear();  // a message names requests by reference or URL, never directly
  const MatchSettings ms{settings_.match_distance, settings_.match_distance + 8,
                         settings_.max_attachments};
  const auto known = store.case_matches(c.id);
  std::vector<CaseMatch> fresh;
  for (auto& m : find_matches(store, probe, ms)) {
    const bool seen = std::any_of(known.begin(), known.end(), [&](const CaseMatch& k) {
      return k.request_id == m.request_id && (k.certain || !m.certain);
    });
    if (seen)
      continue;
    m.case_id = c.id;
    m.id = store.insert_case_match(m);
    fresh.push_back(m);
  }
  const bool any_certain =
      std::any_of(fresh.begin(), fresh.end(), [](const CaseMatch& m) { return m.certain; });
  log()->info("case requester wrote case={} evidence={} new_candidates={} certain={}", c.reference,
              more.evidence.size(), fresh.size(), any_certain);
  const bool was_received = c.state == C::received;
  if (was_received && any_certain)
    mail(store, c, "takedown_ack", "requester", at);
  if (any_certain && c.state != C::matched)
    move(store, c, C::matched, "matched", more.actor, more.source,
         fmt::format("{{\"certain\":{},\"automatic\":{}}}", fresh.size(), settings_.automatic), at);
  if (any_certain && settings_.automatic) {
    for (const auto& m : fresh) {
      if (m.certain)
        execute(store, c, m, "relais:automatic", "case:" + c.reference, at);
    }
  }
  // A form case whose address is not confirmed yet keeps waiting for the link (the From of a
  // mail proves nothing); what it sent is kept and matched again then.
  if (c.state != C::received)
    mail(store, c, "takedown_referent", "referent", at);
  if (any_certain) {
    for (const auto& m : fresh) {
      if (m.certain)
        request_progressed(store, m.request_id, at);
    }
  }
  return *store.load_case(c.id);
}

std::variant<TakedownCase, std::string> CaseDesk::confirm_removal(Store& store,
                                                                  std::string_view token_hash,
                                                                  const std::string& actor,
                                                                  TimePoint at) {
  auto taken = take_link(store, token_hash, "confirm_removal", at);
  if (auto* why = std::get_if<std::string>(&taken))
    return *why;
  const auto& token = std::get<CaseTokenRow>(taken);
  auto c = *store.load_case(token.case_id);
  auto m = store.load_case_match(*token.match_id);
  if (c.state == C::received)
    return std::string("L'adresse du demandeur n'est pas encore confirmée.");
  move(store, c, C::matched, "removal_confirmed", actor, "link",
       fmt::format("{{\"match\":{},\"request\":{}}}", m->id, m->request_id), at);
  execute(store, c, *m, actor, "link:case:" + c.reference, at);
  request_progressed(store, m->request_id, at);
  return *store.load_case(c.id);
}

std::variant<TakedownCase, std::string> CaseDesk::declare_unmatched(Store& store,
                                                                    std::string_view token_hash,
                                                                    const std::string& actor,
                                                                    TimePoint at) {
  auto taken = take_link(store, token_hash, "declare_unmatched", at);
  if (auto* why = std::get_if<std::string>(&taken))
    return *why;
  auto c = *store.load_case(std::get<CaseTokenRow>(taken).case_id);
  if (c.state != C::unmatched)
    return std::string("Cette demande a déjà reçu une suite.");
  c.note = "Aucune publication correspondante n'a été trouvée.";
  note(store, c, "declared_unmatched", actor, "link", "", at);
  if (c.requester.empty() || !c.email_confirmed)
    answer_sent(store, c.id, at);
  else
    mail(store, c, "takedown_not_found", "requester", at, true);
  return *store.load_case(c.id);
}

void CaseDesk::request_progressed(Store& store, std::int64_t request_id, TimePoint at) {
  for (auto case_id : store.cases_waiting_on(request_id)) {
    auto c = store.load_case(case_id);
    if (!c)
      continue;
    std::vector<std::int64_t> requests;
    bool done = true;
    for (const auto& m : store.case_matches(case_id)) {
      if (!m.confirmed_at)
        continue;
      if (std::find(requests.begin(), requests.end(), m.request_id) != requests.end())
        continue;
      requests.push_back(m.request_id);
      auto r = store.load_request(m.request_id);
      if (r && !removed_everywhere(*r))
        done = false;
    }
    if (!done)
      continue;
    move(store, *c, C::executed, "removed_everywhere", "relais", "case:" + c->reference,
         fmt::format("{{\"requests\":{}}}", requests.size()), at);
    store.replace_case_timers(c->id, {});
    for (auto id : requests) {
      if (auto r = store.load_request(id))
        mail(store, *c, "takedown_agent", r->sender, at, false, r->id);
    }
    mail(store, *c, "takedown_executed", "referent", at);
    if (c->requester.empty())
      answer_sent(store, c->id, at);
    else
      mail(store, *c, "takedown_done", "requester", at, true);
  }
}

void CaseDesk::answer_sent(Store& store, std::int64_t case_id, TimePoint at) {
  auto c = store.load_case(case_id);
  if (!c || (c->state != C::executed && c->state != C::unmatched))
    return;
  move(store, *c, C::answered, "answer_sent", "relais", "case:" + c->reference, "", at);
  store.replace_case_timers(
      c->id, {{0, c->id, CaseTimerKind::close,
               at + std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(14))}});
}

void CaseDesk::timer_fired(Store& store, const CaseTimerRow& timer, TimePoint at) {
  store.delete_case_timer(timer.id);
  auto c = store.load_case(timer.case_id);
  if (!c)
    return;
  switch (timer.kind) {
    case CaseTimerKind::reminder:
    case CaseTimerKind::overdue:
      if (c->state == C::received || c->state == C::matched || c->state == C::unmatched) {
        mail(store, *c,
             timer.kind == CaseTimerKind::overdue ? "takedown_overdue" : "takedown_reminder",
             "referent", at);
        AuditRow row;
        row.kind = "decision";
        row.case_id = c->id;
        row.from_state = row.to_state = std::string(to_string(c->state));
        row.event = std::string(to_string(timer.kind));
        row.actor = "timer";
        row.source = fmt::format("case_timer:{}", timer.id);
        row.at = at;
        store.append_transition(row);
      }
      break;
    case CaseTimerKind::close:
      if (c->state == C::answered)
        move(store, *c, C::closed, "closed", "timer", fmt::format("case_timer:{}", timer.id), "",
             at);
      break;
  }
}

std::variant<std::optional<TakedownCase>, std::string> CaseDesk::revoke_consent(
    Store& store, std::int64_t consent_id, const std::string& actor, TimePoint at) {
  auto s = store.db().prepare(
      "SELECT c.person_id, c.scope, c.request_id, c.revoked_at, p.name, p.email "
      "FROM consents c JOIN persons p ON p.id = c.person_id WHERE c.id = ?");
  s.bind_all(consent_id);
  if (!s.step())
    return fmt::format("No consent record {}.", consent_id);
  if (!s.is_null(3))
    return fmt::format("Consent record {} is already revoked.", consent_id);
  const auto person_id = s.int64(0);
  const std::string scope = s.text(1);
  const auto scoped_request = s.optional_int64(2);
  const std::string name = s.text(4);
  const std::string email = s.text(5);
  store.db()
      .prepare("UPDATE consents SET revoked_at = ?, revoked_by = ? WHERE id = ?")
      .bind_all(to_millis(at), actor, consent_id)
      .run();
  AuditRow row;
  row.kind = "consent";
  row.event = "consent_revoked";
  row.actor = actor;
  row.source = fmt::format("consent:{}", consent_id);
  row.detail = boost::json::serialize(boost::json::object{{"person", person_id}});
  row.at = at;
  store.append_transition(row);

  CaseDraft draft;
  draft.origin = "consent";
  draft.requester = email;
  draft.requester_name = name;
  draft.text = fmt::format("Retrait du consentement {} de la personne {}.", consent_id, person_id);
  draft.actor = actor;
  draft.source = fmt::format("consent:{}", consent_id);
  auto links = store.db().prepare(
      "SELECT DISTINCT request_id FROM person_media WHERE person_id = ? ORDER BY request_id");
  links.bind_all(person_id);
  while (links.step()) {
    const auto id = links.int64(0);
    if (scope == "request" && scoped_request && *scoped_request != id)
      continue;
    if (auto r = store.load_request(id); r && is_live(r->state))
      draft.requests.push_back(id);
  }
  if (scope == "request" && scoped_request) {
    if (auto r = store.load_request(*scoped_request);
        r && is_live(r->state) &&
        std::find(draft.requests.begin(), draft.requests.end(), r->id) == draft.requests.end())
      draft.requests.push_back(r->id);
  }
  if (draft.requests.empty())
    return std::optional<TakedownCase>{};
  return std::optional<TakedownCase>(open(store, draft, at).takedown);
}

}  // namespace relais::workflow
