// Photo and video findings: readable, not barred, large enough, sharp, exposed, and within the
// limits of every network the request would go to.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "workflow/check_stages.hpp"
#include "workflow/declaration.hpp"
#include "workflow/network_limits.hpp"

namespace relais::workflow::check_stages {
namespace {

// Far too dark: most of the picture near black and even its light parts dim. Far too bright:
// the reverse. Measured on the grey levels (0..255) at kAnalysisSide.
bool far_too_dark(const Exposure& e) {
  return e.median < 35 && e.p95 < 90;
}
bool far_too_bright(const Exposure& e) {
  return e.median > 225 && e.p05 > 170;
}

std::string megapixels(std::int64_t pixels) {
  return fmt::format("{:.1f}", static_cast<double>(pixels) / 1e6);
}

void image_quality(const MediaFacts& m, const ImageAnalysis& a, const CheckPolicy& policy,
                   std::vector<Finding>& out) {
  const int short_side = std::min(a.width, a.height);
  if (short_side < policy.min_short_side) {
    out.push_back({"image.too_small", Severity::blocking,
                   fmt::format("La photo « {} » est trop petite ({} × {} pixels) : il faut au "
                               "moins {} pixels sur le petit côté. Envoyez le fichier original "
                               "de l'appareil, sans le réduire (dans l'application Mail, "
                               "choisissez la « taille réelle »).",
                               m.filename, a.width, a.height, policy.min_short_side)});
  }
  if (a.sharpness < policy.blur_threshold) {
    out.push_back({"image.blurred", Severity::blocking,
                   fmt::format("La photo « {} » est floue (netteté mesurée {:.0f}, il faut au "
                               "moins {:.0f}). Envoyez une photo nette de la même scène.",
                               m.filename, a.sharpness, policy.blur_threshold)});
  }
  if (far_too_dark(a.exposure)) {
    out.push_back({"image.too_dark", Severity::blocking,
                   fmt::format("La photo « {} » est beaucoup trop sombre : on n'y distingue "
                               "presque rien. Envoyez une photo mieux exposée.",
                               m.filename)});
  } else if (far_too_bright(a.exposure)) {
    out.push_back({"image.too_bright", Severity::blocking,
                   fmt::format("La photo « {} » est beaucoup trop claire (surexposée). Envoyez "
                               "une photo mieux exposée.",
                               m.filename)});
  }
}

// Over a network's limit: a warning, so that the referent can untick that channel.
void warn_limit(std::vector<Finding>& out, const NetworkLimits& n, std::string_view what,
                std::string message) {
  out.push_back({fmt::format("limits.{}.{}", n.type, what), Severity::warning, std::move(message)});
}

void image_limits(const MediaFacts& m, const ImageAnalysis& a, const NetworkLimits& n,
                  std::vector<Finding>& out) {
  // HEIC goes out as JPEG, so its format never stops it.
  const std::string format = a.format == "heif" ? "jpeg" : a.format;
  if (std::find(n.image_formats.begin(), n.image_formats.end(), format) == n.image_formats.end()) {
    warn_limit(out, n, "image_format",
               fmt::format("La photo « {} » est au format {}, que {} n'accepte pas : elle ne "
                           "pourra pas y être publiée. Envoyez-la en JPEG.",
                           m.filename, a.format, n.label));
  }
  if (n.max_image_bytes > 0 && a.bytes > n.max_image_bytes) {
    warn_limit(out, n, "image_bytes",
               fmt::format("La photo « {} » pèse {}, plus que les {} qu'accepte {}.", m.filename,
                           human_bytes(a.bytes), human_bytes(n.max_image_bytes), n.label));
  }
  const auto pixels = static_cast<std::int64_t>(a.width) * a.height;
  if (n.max_image_pixels > 0 && pixels > n.max_image_pixels) {
    warn_limit(
        out, n, "image_pixels",
        fmt::format("La photo « {} » fait {} mégapixels, plus que les {} qu'accepte {}.",
                    m.filename, megapixels(pixels), megapixels(n.max_image_pixels), n.label));
  }
}

void video_limits(const MediaFacts& m, const VideoInfo& v, const NetworkLimits& n,
                  std::vector<Finding>& out) {
  if (std::find(n.video_containers.begin(), n.video_containers.end(), v.container) ==
      n.video_containers.end()) {
    warn_limit(out, n, "video_format",
               fmt::format("La vidéo « {} » est au format {}, que {} n'accepte pas. "
                           "Envoyez-la en MP4.",
                           m.filename, v.container, n.label));
  }
  if (n.max_video_bytes > 0 && v.bytes > n.max_video_bytes) {
    warn_limit(out, n, "video_bytes",
               fmt::format("La vidéo « {} » pèse {}, plus que les {} qu'accepte {}.", m.filename,
                           human_bytes(v.bytes), human_bytes(n.max_video_bytes), n.label));
  }
  if (n.max_video_seconds > 0 && v.duration_seconds > n.max_video_seconds) {
    warn_limit(out, n, "video_length",
               fmt::format("La vidéo « {} » dure {:.0f} secondes, plus que les {:.0f} "
                           "qu'accepte {}.",
                           m.filename, v.duration_seconds, n.max_video_seconds, n.label));
  }
  if (n.min_video_seconds > 0 && v.duration_seconds > 0 &&
      v.duration_seconds < n.min_video_seconds) {
    warn_limit(out, n, "video_length",
               fmt::format("La vidéo « {} » dure moins de {:.0f} secondes, le minimum de {}.",
                           m.filename, n.min_video_seconds, n.label));
  }
}

}  // namespace

std::string human_bytes(std::int64_t bytes) {
  if (bytes >= 1024 * 1024) {
    auto text = fmt::format("{:.1f} Mo", static_cast<double>(bytes) / (1024.0 * 1024.0));
    std::replace(text.begin(), text.end(), '.', ',');
    return text;
  }
  return fmt::format("{} ko", (bytes + 1023) / 1024);
}

void media_findings(const CheckInput& in, const CheckPolicy& policy, std::vector<Finding>& out) {
  int images = 0;
  int videos = 0;
  for (const auto& m : in.media) {
    if (is_consent_form(m.filename, m.content_type))
      continue;  // evidence, never published
    if (!is_publishable_media(m.content_type)) {
      out.push_back({"media.unsupported", Severity::warning,
                     fmt::format("La pièce jointe « {} » ({}) n'est pas une photo ou une vidéo "
                                 "publiable ; elle est conservée mais ne sera pas publiée.",
                                 m.filename, m.content_type)});
      continue;
    }
    if (!m.blocked_by.empty()) {
      out.push_back({"media.taken_down", Severity::blocking,
                     fmt::format("La photo « {} » a été retirée à la suite de la demande de "
                                 "retrait {} (droit à l'image) : elle ne peut plus être publiée. "
                                 "Retirez-la de votre envoi.",
                                 m.filename, m.blocked_by)});
    }
    if (!m.unreadable.empty()) {
      out.push_back({"media.unreadable", Severity::blocking,
                     fmt::format("Le fichier « {} » n'a pas pu être lu ({}). Envoyez-le de "
                                 "nouveau, tel qu'il sort de l'appareil.",
                                 m.filename, m.unreadable)});
      continue;
    }
    m.video ? ++videos : ++images;
    if (m.image)
      image_quality(m, *m.image, policy, out);
    for (const auto& type : in.channel_types) {
      const auto* n = limits_for(type);
      if (!n)
        continue;
      if (m.image)
        image_limits(m, *m.image, *n, out);
      if (m.video)
        video_limits(m, *m.video, *n, out);
    }
  }
  if (images + videos == 0) {
    out.push_back({"media.missing", Severity::warning,
                   "Aucune photo ni vidéo n'est jointe : la publication sera sans image."});
  }
  for (const auto& type : in.channel_types) {
    const auto* n = limits_for(type);
    if (!n)
      continue;
    if (n->max_images > 0 && images > n->max_images) {
      warn_limit(out, *n, "image_count",
                 fmt::format("{} photos sont jointes ; {} n'en publie que {} par message : "
                             "les premières seront publiées.",
                             images, n->label, n->max_images));
    }
    if (!n->images_and_video_together && images > 0 && videos > 0) {
      warn_limit(out, *n, "mixed_media",
                 fmt::format("{} ne publie pas photos et vidéo dans le même message : seules "
                             "les photos y seront publiées.",
                             n->label));
    }
  }
}

}  // namespace relais::workflow::check_stages
