#include <brisk/server/parser.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace brisk::server {

static_assert(static_cast<int>(Method::delete_) == HTTP_DELETE);
static_assert(static_cast<int>(Method::connect) == HTTP_CONNECT);
static_assert(static_cast<int>(Method::m_search) == HTTP_MSEARCH);
static_assert(static_cast<int>(Method::patch) == HTTP_PATCH);
static_assert(static_cast<int>(Method::source) == HTTP_SOURCE);
static_assert(method_count == HTTP_SOURCE + 1);

// Reasons more than one check gives.
constexpr std::string_view no_protocol = "the request line does not end in HTTP/x.y after one space";
constexpr std::string_view target_too_long = "request target longer than the limit";

// Where the head scan is: it only checks what llhttp lets through (see the
// table in parser.hpp), so most states just wait for a delimiter.
enum class RequestParser::Line : std::uint8_t {
  leading,       // empty lines (CRLF) may come before the request line
  leading_lf,    // the CR of such a line
  method,        // up to the first SP
  target_start,  // right after it: a second SP is an error
  target,        // up to the next SP
  protocol,      // "HTTP/", then
  version,       // the rest, up to the CR
  request_lf,
  field_start,  // the first byte of a field line (or of the empty line)
  field,        // up to the LF, which must follow a CR
  end_lf,       // the LF of the empty line that ends the head
};

enum class RequestParser::Chunk : std::uint8_t {
  size_first,       // the first hex digit
  size,             // more digits, or what follows them
  ext_semicolon,    // BWS, then ';'
  ext_name_start,   // BWS, then a token
  ext_name,
  ext_after_name,   // BWS, then '=' or ';'
  ext_value_start,  // BWS, then a token or a quoted-string
  ext_token,
  ext_quoted,
  ext_quoted_pair,  // after a backslash in a quoted-string
  ext_after_value,
  size_lf,
  data,
  data_cr,
  data_lf,
  trailer_start,  // a field line, or the CR of the empty line
  trailer_name,
  trailer_value,
  trailer_lf,
  final_lf,
};

namespace {

bool is_ows(unsigned char c) noexcept { return c == ' ' || c == '\t'; }

int hex_digit(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<unsigned char>(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// qdtext of RFC 9110 5.6.4.
bool is_qdtext(unsigned char c) noexcept {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

// field-vchar, SP or HTAB (obs-text included): what a field value may hold.
bool is_field_byte(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7f); }

RequestParser* self_of(llhttp_t* p) noexcept { return static_cast<RequestParser*>(p->data); }

// Calls f(member) for each member of a comma-separated list (RFC 9110 5.6.1),
// OWS around it trimmed; empty members included.
template <typename F>
void for_each_member(std::string_view list, F&& f) {
  while (true) {
    std::size_t comma = list.find(',');
    std::string_view member = list.substr(0, comma);
    while (!member.empty() && is_ows(static_cast<unsigned char>(member.front()))) {
      member.remove_prefix(1);
    }
    while (!member.empty() && is_ows(static_cast<unsigned char>(member.back()))) {
      member.remove_suffix(1);
    }
    f(member);
    if (comma == std::string_view::npos) {
      return;
    }
    list.remove_prefix(comma + 1);
  }
}

// unreserved / sub-delims of RFC 3986 (with pct-encoded, a reg-name), less
// ',': "Host: a,b" would be two Hosts to a reader that takes it for a list.
// A table: the Host of every request passes through it.
constexpr auto host_chars = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : std::string_view("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+;=")) {
    table[c] = true;
  }
  return table;
}();

// Host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2): a reg-name or
// IPv4 address, or an IP literal in brackets, then digits after a colon.
// Never empty: RFC 9112 3.2 allows an empty Host only for a target URI
// without an authority, and every target that gets here (origin-form, "*",
// absolute-form with "//") is an http URI, whose host may not be empty
// (RFC 9110 4.2.1). Stricter than nginx, which takes "a:b" and "<a>".
bool is_valid_host(std::string_view host) noexcept {
  auto byte = [host](std::size_t i) { return static_cast<unsigned char>(host[i]); };
  std::size_t i = 0;
  if (host.starts_with('[')) {
    // IPv6address or IPvFuture: hex digits, ':', '.', 'v' and the like.
    for (i = 1; i < host.size() && (host_chars[byte(i)] || host[i] == ':');) {
      ++i;
    }
    if (i == 1 || i == host.size() || host[i] != ']') {
      return false;
    }
    ++i;
  } else {
    while (true) {
      while (i < host.size() && host_chars[byte(i)]) {
        ++i;
      }
      if (i + 2 >= host.size() || host[i] != '%' || hex_digit(byte(i + 1)) < 0 || hex_digit(byte(i + 2)) < 0) {
        break;
      }
      i += 3;
    }
    if (i == 0) {
      return false;
    }
  }
  if (i == host.size()) {
    return true;
  }
  if (host[i] != ':') {
    return false;
  }
  while (++i < host.size()) {
    if (byte(i) < '0' || byte(i) > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {
  llhttp_settings_init(&settings_);
  settings_.on_url = &RequestParser::on_url;
  settings_.on_version_complete = &RequestParser::on_version_complete;
  settings_.on_header_field = &RequestParser::on_header_field;
  settings_.on_header_field_complete = &RequestParser::on_header_field_complete;
  settings_.on_header_value = &RequestParser::on_header_value;
  settings_.on_header_value_complete = &RequestParser::on_header_value_complete;
  settings_.on_headers_complete = &RequestParser::on_headers_complete;
  llhttp_init(&llhttp_, HTTP_REQUEST, &settings_);
  llhttp_.data = this;
  begin_message();
}

void RequestParser::begin_message() noexcept {
  llhttp_reset(&llhttp_);
  phase_ = Phase::head;
  head_->clear();
  head_bytes_ = 0;
  line_ = Line::leading;
  target_scanned_ = 0;
  last_ = 0;
  protocol_matched_ = 0;
  version_seen_ = false;
  field_start_ = 0;
  value_start_ = 0;
  field_ = Field::other;
  hosts_ = 0;
  host_invalid_ = false;
  expectation_unknown_ = false;
  te_fields_ = 0;
  te_chunked_ = 0;
  te_last_chunked_ = false;
  te_unknown_ = false;
  te_malformed_ = false;
  keep_alive_ = true;
  declared_length_ = 0;
  body_limit_ = limits_.max_body_bytes;
  body_bytes_ = 0;
  remaining_ = 0;
  chunk_ = Chunk::size_first;
  chunk_line_bytes_ = 0;
  trailer_bytes_ = 0;
  chunk_digits_ = 0;
}

void RequestParser::parse_into(RequestHead& head) noexcept {
  head_ = &head;
  head_->clear();
}

void RequestParser::reset() noexcept {
  error_ = {};
  begin_message();
}

int RequestParser::fail(int status, std::string_view reason) noexcept {
  error_ = {status, reason};
  phase_ = Phase::failed;
  return -1;
}

ParseStep RequestParser::execute(std::string_view data) {
  switch (phase_) {
    case Phase::complete:
      begin_message();
      return parse_head(data);
    case Phase::head:
      return parse_head(data);
    case Phase::length_body:
      return parse_length_body(data);
    case Phase::chunked_body:
      return parse_chunked_body(data);
    case Phase::closed:
      fail(400, "request after the connection's last one");
      return failed(0);
    case Phase::failed:
      break;
  }
  return failed(0);
}

bool RequestParser::set_body_limit(std::uint64_t max_bytes) noexcept {
  // Not head_: the caller may have swapped it into its Request already.
  if (declared_length_ > max_bytes) {
    return false;
  }
  body_limit_ = max_bytes;
  return true;
}

// ---- the head

ParseStep RequestParser::parse_head(std::string_view data) {
  // llhttp never sees more than the head may hold, so a flood of header
  // bytes costs no more than the limit.
  std::size_t len = std::min(data.size(), limits_.max_header_bytes - head_bytes_);
  llhttp_errno_t err = llhttp_execute(&llhttp_, data.data(), len);
  if (err != HPE_OK && err != HPE_PAUSED) {
    // Of two faults the first is reported, wherever a read happened to end:
    // the head bytes before the one llhttp (or a callback) stopped at are
    // scanned first.
    const char* stop = llhttp_get_error_pos(&llhttp_);
    if (stop < data.data() || stop > data.data() + len) {
      stop = data.data() + len;
    }
    if (const ParseError fault = scan_head(data.data(), stop); fault.status != 0) {
      fail(fault.status, fault.reason);
      return failed(0);
    }
  }
  if (phase_ == Phase::failed) {
    return failed(0);
  }
  std::size_t consumed = len;
  if (err == HPE_PAUSED) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&llhttp_) - data.data());
  } else if (err == HPE_PAUSED_H2_UPGRADE) {
    fail(400, "HTTP/2 connection preface on an HTTP/1.1 connection");
    return failed(0);
  } else if (err != HPE_OK) {
    std::string_view reason = llhttp_get_error_reason(&llhttp_);
    // "HTTP/1.2", "HTTP/3.0": a well-formed version llhttp does not take is
    // 505, like the versions it takes and check_head() refuses; a malformed
    // one ("HTTP/1.x", "Expected dot") stays 400.
    fail(err == HPE_INVALID_VERSION && reason == "Invalid HTTP version" ? 505 : 400, reason);
    return failed(0);
  }
  if (const ParseError fault = scan_head(data.data(), data.data() + consumed); fault.status != 0) {
    fail(fault.status, fault.reason);
    return failed(consumed);
  }
  head_bytes_ += consumed;
  if (err == HPE_PAUSED) {
    return {ParseEvent::head_complete, consumed, {}};
  }
  if (head_bytes_ >= limits_.max_header_bytes) {
    fail(431, "request head larger than the limit");
    return failed(consumed);
  }
  return {ParseEvent::need_more, consumed, {}};
}

ParseError RequestParser::scan_head(const char* p, const char* end) noexcept {
  while (p < end) {
    const char c = *p;
    switch (line_) {
      case Line::leading:
        if (c == '\n') {
          return {400, "bare LF before the request line"};
        }
        if (c != '\r') {
          line_ = Line::method;
          continue;
        }
        line_ = Line::leading_lf;
        break;
      case Line::leading_lf:
        if (c != '\n') {
          return {400, "bare CR before the request line"};
        }
        line_ = Line::leading;
        break;
      case Line::method:
        // Plain loops in the states that cover most bytes: the switch costs
        // more per byte than the test.
        while (p < end && *p != ' ') {
          ++p;
        }
        if (p == end) {
          return {};
        }
        line_ = Line::target_start;
        break;
      case Line::target_start:
        if (c == ' ') {
          return {400, "two spaces in the request line"};
        }
        line_ = Line::target;
        continue;
      case Line::target: {
        // Visible ASCII (RFC 9112 3.2; llhttp's loose build passes HTAB and
        // bytes >= 0x80) up to the space, at most max_uri_bytes of it, each
        // fault found in byte order whatever the reads were. A plain loop:
        // find_first_of would call memchr once per byte.
        const std::size_t room = limits_.max_uri_bytes - target_scanned_;
        const char* limit = static_cast<std::size_t>(end - p) > room ? p + room : end;
        const char* first = p;
        while (p < limit && static_cast<unsigned char>(*p) > 0x20 && static_cast<unsigned char>(*p) < 0x7f) {
          ++p;
        }
        target_scanned_ += static_cast<std::size_t>(p - first);
        if (p == end) {
          return {};
        }
        if (*p == ' ') {
          line_ = Line::protocol;
          break;
        }
        // A CR or LF before the space: no protocol at all ("GET /\r\n", which
        // llhttp takes as HTTP/0.9). It ends the target rather than adding to it.
        if (*p == '\r' || *p == '\n') {
          return {400, no_protocol};
        }
        if (p == limit) {
          return {414, target_too_long};
        }
        return {400, "invalid character in the request target"};
      }
      case Line::protocol: {
        constexpr std::string_view protocol = "HTTP/";
        if (protocol_matched_ == 0 && end - p >= 5) {
          if (std::memcmp(p, protocol.data(), protocol.size()) != 0) {
            return {400, no_protocol};
          }
          p += protocol.size();
          line_ = Line::version;
          continue;
        }
        if (c != protocol[protocol_matched_]) {
          return {400, no_protocol};
        }
        if (++protocol_matched_ == protocol.size()) {
          line_ = Line::version;
        }
        break;
      }
      case Line::version:
        while (p < end && *p != '\r' && *p != '\n') {
          ++p;
        }
        if (p == end) {
          return {};
        }
        if (*p == '\n') {
          return {400, "bare LF ending the request line"};
        }
        line_ = Line::request_lf;
        break;
      case Line::request_lf:
        if (c != '\n') {
          return {400, "bare CR after the request line"};
        }
        line_ = Line::field_start;
        break;
      case Line::field_start:
        if (c == ' ' || c == '\t') {
          return {400, "obs-fold: a header line starts with whitespace"};
        }
        if (c == '\n') {
          return {400, "bare LF ending the head"};
        }
        if (c != '\r') {
          line_ = Line::field;
          continue;
        }
        line_ = Line::end_lf;
        break;
      case Line::field: {
        const void* found = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (found == nullptr) {
          last_ = end[-1];
          return {};
        }
        const char* lf = static_cast<const char*>(found);
        if ((lf > p ? lf[-1] : last_) != '\r') {
          return {400, "bare LF ending a header line"};
        }
        p = lf;
        line_ = Line::field_start;
        break;
      }
      case Line::end_lf:
        if (c != '\n') {
          return {400, "bare CR ending the head"};
        }
        line_ = Line::leading;
        break;
    }
    ++p;
  }
  return {};
}

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t n) {
  RequestParser& self = *self_of(p);
  std::string& target = self.head_->target;
  // scan_head checks the target's bytes and its length, in order with the
  // rest of the head; this only keeps a long one out of the buffer.
  if (n > self.limits_.max_uri_bytes - target.size()) {
    return self.fail(414, target_too_long);
  }
  target.append(at, n);
  return 0;
}

int RequestParser::on_version_complete(llhttp_t* p) {
  self_of(p)->version_seen_ = true;
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  self_of(p)->head_->headers.arena_.append(at, n);
  return 0;
}

int RequestParser::on_header_field_complete(llhttp_t* p) {
  RequestParser& self = *self_of(p);
  const auto& arena = self.head_->headers.arena_;
  std::string_view name = self.head_->headers.bytes().substr(self.field_start_);
  // llhttp's loose build takes "Host " (space before the colon), "A B" and
  // an empty name; RFC 9112 5.1 requires a 400.
  if (!is_token(name)) {
    return self.fail(400, "invalid header field name");
  }
  Field kind = Field::other;
  switch (name.size()) {
    case 4:
      kind = iequals(name, "host") ? Field::host : Field::other;
      break;
    case 6:
      kind = iequals(name, "expect") ? Field::expect : Field::other;
      break;
    case 17:
      kind = iequals(name, "transfer-encoding") ? Field::transfer_encoding : Field::other;
      break;
    default:
      break;
  }
  self.field_ = kind;
  self.value_start_ = arena.size();
  return 0;
}

void RequestParser::end_field(Headers& fields) {
  auto& arena = fields.arena_;
  // OWS around the value is not part of it (llhttp strips the leading OWS).
  while (arena.size() > value_start_ && is_ows(static_cast<unsigned char>(arena.back()))) {
    arena.pop_back();
  }
  std::size_t value_start = value_start_;
  while (value_start < arena.size() && is_ows(static_cast<unsigned char>(arena[value_start]))) {
    ++value_start;
  }
  fields.entries_.push_back({static_cast<std::uint32_t>(field_start_),
                             static_cast<std::uint32_t>(value_start_ - field_start_),
                             static_cast<std::uint32_t>(value_start),
                             static_cast<std::uint32_t>(arena.size() - value_start)});
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  self_of(p)->head_->headers.arena_.append(at, n);
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser& self = *self_of(p);
  Headers& headers = self.head_->headers;
  self.end_field(headers);
  std::string_view value = headers[headers.size() - 1].value;
  switch (self.field_) {
    case Field::host:
      ++self.hosts_;
      self.host_invalid_ = self.host_invalid_ || !is_valid_host(value);
      break;
    case Field::expect:
      self.note_expectations(value);
      break;
    case Field::transfer_encoding:
      self.note_transfer_coding(value);
      break;
    case Field::other:
      break;
  }
  self.field_start_ = headers.arena_.size();
  return 0;
}

// Records the codings of one Transfer-Encoding field; check_head() decides
// once all fields are in.
void RequestParser::note_transfer_coding(std::string_view value) noexcept {
  ++te_fields_;
  for_each_member(value, [this](std::string_view coding) {
    te_last_chunked_ = iequals(coding, "chunked");
    if (te_last_chunked_) {
      ++te_chunked_;
    } else if (is_token(coding)) {
      te_unknown_ = true;
    } else {
      te_malformed_ = true;  // empty, or with parameters ("chunked;q=1")
    }
  });
}

// The one expectation HTTP defines is 100-continue (RFC 9110 10.1.1); any
// other is refused by check_head(), an empty list member ignored.
void RequestParser::note_expectations(std::string_view value) noexcept {
  for_each_member(value, [this](std::string_view expectation) {
    if (iequals(expectation, "100-continue")) {
      head_->expect_continue = true;
    } else if (!expectation.empty()) {
      expectation_unknown_ = true;
    }
  });
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser& self = *self_of(p);
  RequestHead& head = *self.head_;
  // Methods past SOURCE are RTSP's; llhttp only takes them with RTSP/x.y,
  // which the head scan refuses, but the enum must stay in range.
  if (p->method == HTTP_PRI) {
    return self.fail(400, "PRI method: an HTTP/2 preface");
  }
  if (p->method > HTTP_SOURCE) {
    return self.fail(501, "method not implemented");
  }
  head.method = static_cast<Method>(p->method);
  head.version_major = p->http_major;
  head.version_minor = p->http_minor;
  head.keep_alive = llhttp_should_keep_alive(p) != 0;
  self.keep_alive_ = head.keep_alive;
  head.upgrade = p->upgrade != 0;
  // RFC 9110 10.1.1: a 100-continue expectation in HTTP/1.0 is ignored.
  head.expect_continue = head.expect_continue && head.version_minor >= 1;
  if (int rc = self.check_head(); rc != 0) {
    return rc;
  }
  if ((p->flags & F_CONTENT_LENGTH) != 0) {
    head.content_length = p->content_length;
    self.declared_length_ = p->content_length;
    self.remaining_ = p->content_length;
    if (p->content_length > self.body_limit_) {
      return self.fail(413, "Content-Length over the body limit");
    }
  }
  self.phase_ = head.chunked ? Phase::chunked_body : Phase::length_body;
  return HPE_PAUSED;
}

int RequestParser::check_head() noexcept {
  const RequestHead& head = *head_;
  // llhttp takes a request line without a version ("GET /") as HTTP/0.9,
  // and may call this before the head scan has seen that line's end.
  if (!version_seen_) {
    return fail(400, no_protocol);
  }
  if (head.method == Method::connect) {
    return fail(501, "CONNECT is not supported");
  }
  if (head.version_major != 1 || head.version_minor > 1) {
    return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  if (hosts_ > 1) {
    return fail(400, "more than one Host field");
  }
  if (hosts_ == 0 && head.version_minor == 1) {
    return fail(400, "request without a Host field");
  }
  if (host_invalid_) {
    return fail(400, "invalid Host field");
  }
  // RFC 9112 3.2.4: "*" names the server itself, for OPTIONS only.
  if (head.target == "*" && head.method != Method::options) {
    return fail(400, "asterisk-form target for a method other than OPTIONS");
  }
  // Expect is HTTP/1.1's: in HTTP/1.0 it is ignored, as its 100-continue
  // must be (on_headers_complete).
  if (expectation_unknown_ && head.version_minor == 1) {
    return fail(417, "expectation other than 100-continue");
  }
  if (te_fields_ > 0) {
    if (head.version_minor == 0) {
      return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    // One field only: "Transfer-Encoding: gzip" then "...: chunked" is as
    // much a smuggling vector as two "chunked".
    if (te_fields_ != 1 || te_malformed_ || !te_last_chunked_ || te_chunked_ != 1) {
      return fail(400, "Transfer-Encoding must end in one \"chunked\"");
    }
    if (te_unknown_) {
      return fail(501, "unsupported transfer coding");
    }
    head_->chunked = true;
  }
  return 0;
}

// ---- the body

ParseStep RequestParser::finish_message(std::size_t consumed) noexcept {
  // keep_alive_, not head_: the head may be in the caller's Request by now.
  phase_ = keep_alive_ ? Phase::complete : Phase::closed;
  return {ParseEvent::message_complete, consumed, {}};
}

ParseStep RequestParser::parse_length_body(std::string_view data) noexcept {
  if (remaining_ == 0) {
    return finish_message(0);
  }
  if (data.empty()) {
    return {ParseEvent::need_more, 0, {}};
  }
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
  remaining_ -= n;
  return {ParseEvent::body, n, data.substr(0, n)};
}

ParseStep RequestParser::parse_chunked_body(std::string_view data) {
  std::size_t i = 0;
  while (i < data.size()) {
    if (chunk_ == Chunk::data) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
      remaining_ -= n;
      if (remaining_ == 0) {
        chunk_ = Chunk::data_cr;
      }
      return {ParseEvent::body, i + n, data.substr(i, n)};
    }
    const auto c = static_cast<unsigned char>(data[i++]);
    if (chunk_ < Chunk::data && ++chunk_line_bytes_ > limits_.max_chunk_line_bytes) {
      fail(400, "chunk size line longer than the limit");
      return failed(i);
    }
    if (chunk_ >= Chunk::trailer_start && ++trailer_bytes_ > limits_.max_header_bytes) {
      fail(431, "trailer section larger than the limit");
      return failed(i);
    }
    const char* error = nullptr;
    switch (chunk_) {
      case Chunk::size_first:
      case Chunk::size:
        if (int d = hex_digit(c); d >= 0) {
          // 16 significant digits fill 64 bits; leading zeros are free.
          if ((remaining_ != 0 || d != 0) && ++chunk_digits_ > 16) {
            error = "chunk size over 64 bits";
          }
          remaining_ = remaining_ << 4 | static_cast<unsigned>(d);
          chunk_ = Chunk::size;
        } else if (chunk_ == Chunk::size_first) {
          error = "invalid chunk size";
        } else if (c == '\r') {
          chunk_ = Chunk::size_lf;
        } else if (c == ';') {
          chunk_ = Chunk::ext_name_start;
        } else if (is_ows(c)) {
          chunk_ = Chunk::ext_semicolon;
        } else {
          error = "invalid chunk size";
        }
        break;
      case Chunk::ext_semicolon:
        if (c == ';') {
          chunk_ = Chunk::ext_name_start;
        } else if (!is_ows(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_name_start:
        if (is_tchar(c)) {
          chunk_ = Chunk::ext_name;
        } else if (!is_ows(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_name:
        if (c == '=') {
          chunk_ = Chunk::ext_value_start;
        } else if (c == ';') {
          chunk_ = Chunk::ext_name_start;
        } else if (c == '\r') {
          chunk_ = Chunk::size_lf;
        } else if (is_ows(c)) {
          chunk_ = Chunk::ext_after_name;
        } else if (!is_tchar(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_after_name:
        if (c == '=') {
          chunk_ = Chunk::ext_value_start;
        } else if (c == ';') {
          chunk_ = Chunk::ext_name_start;
        } else if (!is_ows(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_value_start:
        if (c == '"') {
          chunk_ = Chunk::ext_quoted;
        } else if (is_tchar(c)) {
          chunk_ = Chunk::ext_token;
        } else if (!is_ows(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_token:
        if (c == '\r') {
          chunk_ = Chunk::size_lf;
        } else if (c == ';') {
          chunk_ = Chunk::ext_name_start;
        } else if (is_ows(c)) {
          chunk_ = Chunk::ext_semicolon;
        } else if (!is_tchar(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_quoted:
        if (c == '"') {
          chunk_ = Chunk::ext_after_value;
        } else if (c == '\\') {
          chunk_ = Chunk::ext_quoted_pair;
        } else if (!is_qdtext(c)) {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_quoted_pair:
        if (c == '\t' || (c >= 0x20 && c != 0x7f)) {
          chunk_ = Chunk::ext_quoted;
        } else {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::ext_after_value:
        if (c == '\r') {
          chunk_ = Chunk::size_lf;
        } else if (c == ';') {
          chunk_ = Chunk::ext_name_start;
        } else if (is_ows(c)) {
          chunk_ = Chunk::ext_semicolon;
        } else {
          error = "invalid chunk extension";
        }
        break;
      case Chunk::size_lf:
        if (c != '\n') {
          error = "chunk size line not ended by CRLF";
        } else if (remaining_ == 0) {
          chunk_ = Chunk::trailer_start;
        } else if (remaining_ > body_limit_ - body_bytes_) {
          fail(413, "chunked body over the body limit");
          return failed(i);
        } else {
          body_bytes_ += remaining_;
          chunk_ = Chunk::data;
        }
        break;
      case Chunk::data:
        break;  // handled above the switch
      case Chunk::data_cr:
        if (c != '\r') {
          error = "chunk data longer than its size";
        }
        chunk_ = Chunk::data_lf;
        break;
      case Chunk::data_lf:
        if (c != '\n') {
          error = "chunk data not ended by CRLF";
        }
        chunk_ = Chunk::size_first;
        chunk_line_bytes_ = 0;
        chunk_digits_ = 0;
        break;
      case Chunk::trailer_start:
        if (c == '\r') {
          chunk_ = Chunk::final_lf;
        } else if (is_tchar(c)) {
          field_start_ = head_->trailers.arena_.size();
          head_->trailers.arena_.push_back(static_cast<char>(c));
          chunk_ = Chunk::trailer_name;
        } else {
          error = is_ows(c) ? "obs-fold in the trailer section" : "invalid trailer field name";
        }
        break;
      case Chunk::trailer_name:
        if (c == ':') {
          value_start_ = head_->trailers.arena_.size();
          chunk_ = Chunk::trailer_value;
        } else if (is_tchar(c)) {
          head_->trailers.arena_.push_back(static_cast<char>(c));
        } else {
          error = "invalid trailer field name";
        }
        break;
      case Chunk::trailer_value:
        if (c == '\r') {
          chunk_ = Chunk::trailer_lf;
        } else if (is_field_byte(c)) {
          head_->trailers.arena_.push_back(static_cast<char>(c));
        } else {
          error = "invalid character in a trailer field";
        }
        break;
      case Chunk::trailer_lf:
        if (c != '\n') {
          error = "bare CR in the trailer section";
          break;
        }
        end_field(head_->trailers);
        chunk_ = Chunk::trailer_start;
        break;
      case Chunk::final_lf:
        if (c != '\n') {
          error = "bare CR ending the chunked body";
          break;
        }
        return finish_message(i);
    }
    if (error != nullptr) {
      fail(400, error);
      return failed(i);
    }
  }
  return {ParseEvent::need_more, data.size(), {}};
}

}  // namespace brisk::server
