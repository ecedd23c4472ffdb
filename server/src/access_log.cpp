#include <algorithm>
#include <array>
#include <brisk/server/access_log.hpp>
#include <charconv>

namespace brisk::server {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

// Appends `text`: each run of bytes that need no escape in one piece (a
// request line usually is one), each other byte as `escape` writes it.
template <class NeedsEscape, class Escape>
void append_escaped(std::string& out, std::string_view text, NeedsEscape needs_escape, Escape escape) {
  std::size_t plain = 0;  // where the bytes not appended yet begin
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (needs_escape(c)) {
      out.append(text.substr(plain, i - plain));
      escape(out, c);
      plain = i + 1;
    }
  }
  out.append(text.substr(plain));
}

// Writes fixed-width fields one after the other into a buffer sized for them.
struct FieldWriter {
  char* p;

  FieldWriter& two_digits(long v) noexcept {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
    return *this;
  }
  FieldWriter& text(std::string_view s) noexcept {
    p = std::copy(s.begin(), s.end(), p);
    return *this;
  }
  FieldWriter& put(char c) noexcept {
    *p++ = c;
    return *this;
  }
};

// One second's time stamps in both formats, kept per thread: formatted again
// only when the second changes.
struct LocalStamps {
  std::time_t second = -1;
  std::array<char, 26> common{};  // 10/Oct/2000:13:55:36 +0000
  std::array<char, 25> iso{};     // 2000-10-10T13:55:36+00:00
};

thread_local LocalStamps stamps;

void format_stamps(std::time_t t) noexcept {
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  localtime_r(&t, &tm);
  const long year = tm.tm_year + 1900;
  const long offset_minutes = tm.tm_gmtoff / 60;
  const char sign = offset_minutes < 0 ? '-' : '+';
  const long offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;

  const std::string_view month = months.substr(static_cast<std::size_t>(tm.tm_mon) * 3, 3);
  FieldWriter{stamps.common.data()}
      .two_digits(tm.tm_mday)
      .put('/')
      .text(month)
      .put('/')
      .two_digits(year / 100)
      .two_digits(year % 100)
      .put(':')
      .two_digits(tm.tm_hour)
      .put(':')
      .two_digits(tm.tm_min)
      .put(':')
      .two_digits(tm.tm_sec)
      .put(' ')
      .put(sign)
      .two_digits(offset / 60)
      .two_digits(offset % 60);
  FieldWriter{stamps.iso.data()}
      .two_digits(year / 100)
      .two_digits(year % 100)
      .put('-')
      .two_digits(tm.tm_mon + 1)
      .put('-')
      .two_digits(tm.tm_mday)
      .put('T')
      .two_digits(tm.tm_hour)
      .put(':')
      .two_digits(tm.tm_min)
      .put(':')
      .two_digits(tm.tm_sec)
      .put(sign)
      .two_digits(offset / 60)
      .put(':')
      .two_digits(offset % 60);
  stamps.second = t;
}

const LocalStamps& stamps_for(std::time_t t) noexcept {
  if (t != stamps.second) {
    format_stamps(t);
  }
  return stamps;
}

template <class Number>
void append_number(std::string& out, Number n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

void append_seconds(std::string& out, std::chrono::nanoseconds took) {
  char digits[32];
  const double seconds = std::chrono::duration<double>(took).count();
  out.append(digits, std::to_chars(digits, digits + sizeof digits, seconds, std::chars_format::fixed, 3).ptr);
}

// "203.0.113.7:51234" -> "203.0.113.7", "51234"; "[::1]:51234" -> "::1",
// "51234".
struct Address {
  std::string_view host;
  std::string_view port;
};

Address split_peer(std::string_view peer) noexcept {
  const auto colon = peer.rfind(':');
  if (colon == std::string_view::npos || (peer.find(':') != colon && !peer.starts_with('['))) {
    return {peer, {}};
  }
  std::string_view host = peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, peer.substr(colon + 1)};
}

std::string_view protocol(int version_minor) noexcept { return version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1"; }

void append_quoted_or_dash(std::string& out, std::string_view text) {
  out.push_back('"');
  if (text.empty()) {
    out.push_back('-');
  } else {
    append_log_escaped(out, text);
  }
  out.push_back('"');
}

void append_combined(std::string& out, const AccessEntry& e) {
  out.append(split_peer(e.peer).host);  // formatted by the kernel and libuv: nothing to escape
  out.append(" - - [").append(stamps_for(e.when).common.data(), LocalStamps{}.common.size()).append("] \"");
  out.append(e.method).push_back(' ');  // one of the methods the parser knows
  append_log_escaped(out, e.target);
  out.push_back(' ');
  out.append(protocol(e.version_minor)).append("\" ");
  append_number(out, e.status);
  out.push_back(' ');
  append_number(out, e.body_bytes);
  out.push_back(' ');
  append_quoted_or_dash(out, e.referer);
  out.push_back(' ');
  append_quoted_or_dash(out, e.user_agent);
}

void append_json_field(std::string& out, std::string_view name, std::string_view text) {
  out.append(",\"").append(name).append("\":\"");
  append_json_escaped(out, text);
  out.push_back('"');
}

void append_json(std::string& out, const AccessEntry& e) {
  const Address address = split_peer(e.peer);
  out.append("{\"time\":\"").append(stamps_for(e.when).iso.data(), LocalStamps{}.iso.size()).push_back('"');
  append_json_field(out, "remote_addr", address.host);
  out.append(",\"remote_port\":");
  if (address.port.empty()) {
    out.append("null");
  } else {
    append_json_escaped(out, address.port);  // digits, from the kernel
  }
  append_json_field(out, "method", e.method);
  append_json_field(out, "target", e.target);
  append_json_field(out, "protocol", protocol(e.version_minor));
  out.append(",\"status\":");
  append_number(out, e.status);
  out.append(",\"body_bytes_sent\":");
  append_number(out, e.body_bytes);
  out.append(",\"request_time\":");
  append_seconds(out, e.took);
  append_json_field(out, "referer", e.referer);
  append_json_field(out, "user_agent", e.user_agent);
  out.push_back('}');
}

}  // namespace

void append_access_line(std::string& out, config::AccessFormat format, const AccessEntry& entry) {
  switch (format) {
    case config::AccessFormat::combined:
      append_combined(out, entry);
      return;
    case config::AccessFormat::json:
      append_json(out, entry);
      return;
  }
}

void append_log_escaped(std::string& out, std::string_view text) {
  append_escaped(
      out, text, [](unsigned char c) { return c < 0x20 || c >= 0x7f || c == '"' || c == '\\'; },
      [](std::string& to, unsigned char c) {
        const char escaped[4] = {'\\', 'x', hex_digits[c >> 4], hex_digits[c & 0xf]};
        to.append(escaped, sizeof escaped);
      });
}

void append_json_escaped(std::string& out, std::string_view text) {
  append_escaped(
      out, text, [](unsigned char c) { return c < 0x20 || c >= 0x7f || c == '"' || c == '\\'; },
      [](std::string& to, unsigned char c) {
        if (c == '"' || c == '\\') {
          const char escaped[2] = {'\\', static_cast<char>(c)};
          to.append(escaped, sizeof escaped);
        } else {
          const char escaped[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xf]};
          to.append(escaped, sizeof escaped);
        }
      });
}

}  // namespace brisk::server
