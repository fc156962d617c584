// The approval link pages (/a/TOKEN): GET shows the request and the buttons and changes
// nothing (mail scanners and link previews follow links); only a POST from the form, with its
// CSRF field, acts, once, in one transaction with the token's use. Every refusal is a page
// that says why, in the person's language, with the request's current state.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "daemon/http_server.hpp"
#include "daemon/services.hpp"
#include "workflow/approval_token.hpp"

namespace relais::daemon {

// The context of a refusal page (page_message.html): the token's problem, if any, and the
// request's reference, subject and state, if known.
boost::json::object problem_context(std::optional<workflow::TokenProblem> problem,
                                    const workflow::Request* r);

// What the referent changed on the approval page, shown again by its "count again" button
// (the page without JavaScript) before anything is decided.
struct ApprovalEdits {
  std::string text;
  std::vector<std::string> channels;
  std::string publish_at;
  std::vector<int> keep;  // photos left ticked
};

class ApprovalPages {
 public:
  explicit ApprovalPages(Services& s) : s_(s) {}
  boost::asio::awaitable<HttpResponse> show(const std::string& raw_token,
                                            const std::string& preselect);
  boost::asio::awaitable<HttpResponse> act(const std::string& raw_token,
                                           const std::string& form_body);
  // One file of the request: a photo as a JPEG preview (phones, HEIC), a video's poster frame,
  // or any file as it was sent (photo in full, video, consent form).
  enum class MediaView { preview, poster, original };
  // `range`: the request's Range header, honoured for one range (video players need it).
  boost::asio::awaitable<HttpResponse> media(const std::string& raw_token, int position,
                                             MediaView view, std::string range);
  // The same for a request the caller has already let the person see (the dashboard).
  boost::asio::awaitable<HttpResponse> request_media(std::int64_t request_id, int position,
                                                     MediaView view, std::string range);

  // An HTML page from a template (page_*.html), or a plain error if the template fails.
  HttpResponse page(http::status status, std::string_view lang, std::string_view name,
                    const boost::json::object& ctx) const;

 private:
  boost::asio::awaitable<HttpResponse> render(const std::string& raw_token,
                                              const std::string& preselect,
                                              const ApprovalEdits* edits);
  Services& s_;
};

// /a/TOKEN (GET shows, POST acts), /a/TOKEN/m/N (GET, a photo's preview, or the file as sent),
// /a/TOKEN/m/N/poster (a video's poster frame), /a/TOKEN/m/N/original; `rest` is the
// path after "/a/". Kept out of the router so that its coroutine frame stays small.
boost::asio::awaitable<HttpResponse> route_approval_link(ApprovalPages& pages, std::string rest,
                                                         std::string preselect, bool get, bool post,
                                                         const HttpRequest& req);

}  // namespace relais::daemon
