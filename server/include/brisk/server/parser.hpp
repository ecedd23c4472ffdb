#pragma once
// RequestParser: HTTP/1.1 requests out of a byte stream, one event at a time.
//
//   RequestParser parser(limits);
//   while (...) {
//     ParseStep step = parser.execute(input);   // input: the unparsed bytes
//     input.remove_prefix(step.consumed);
//     switch (step.event) {
//       case ParseEvent::need_more:        read more, call again
//       case ParseEvent::head_complete:    parser.head(): route, maybe 100 Continue
//       case ParseEvent::body:             step.body is a piece of the body
//       case ParseEvent::message_complete: answer; next request follows
//       case ParseEvent::error:            answer parser.error(), close
//     }
//   }
//
// Pipelining: execute() stops at each event, so the bytes of the next request
// stay in the caller's buffer, unparsed, until it asks for them. Body pieces
// are views INTO the input (never copied): use them before the input changes.
// need_more always consumes everything it was given (the parser keeps what
// it needs of an unfinished head), so the caller keeps nothing back.
// message_complete may need no bytes (consumed 0): after head_complete of a
// request without a body, call execute() again, with what input remains,
// even none.
//
// Each byte of the head is copied once, into head(): the request line and
// header fields go straight into its buffers as llhttp delivers them. head()
// is the parser's own, or the one parse_into() named (a connection's Request:
// then nothing moves at head_complete). Either way it stays as it is until
// the next message begins, when the parser clears it; the parser needs
// nothing of it after head_complete, so a caller may also swap it away then.
//
// Division of work. llhttp 8.1 parses the request line and the header
// section, built without any llhttp_set_lenient_* (its "strict" mode). The
// parser checks what llhttp lets through, by a scan of the head bytes llhttp
// consumed and in its callbacks, and decodes bodies itself: Content-Length by
// counting, chunked with its own strict decoder (llhttp 8.1 rejects valid
// chunk extensions such as "1;a=b;c" and "1; a=b"). After each message llhttp
// is reset for the next.
//
// Every error ends the connection: execute() keeps returning it, and the
// caller answers parser.error() with "Connection: close". So does a request
// that is not keep-alive: after its message_complete, execute() returns an
// error (400, "request after the connection's last one") instead of parsing
// more. Who rejects what (status 400 unless noted):
//
//   vector                                      rejected by
//   ------------------------------------------  -------------------------------
//   Content-Length and Transfer-Encoding        llhttp (either order)
//   two Content-Length fields, even equal       llhttp: a repeated length is
//                                               refused, not reconciled
//   Content-Length "1, 1", "+1", "-1", "1 1"    llhttp
//   Content-Length over 2^64                    llhttp
//   Content-Length over max_body_bytes          parser: 413 at the head
//   Transfer-Encoding not exactly one "chunked" parser (llhttp also catches
//     as the final coding: "gzip", "chunked,    "chunked, chunked" and a coding
//     gzip", "chunked, chunked", "", ", chunked" after chunked)
//     "chunked;x=1", or a header repeated
//   Transfer-Encoding "gzip, chunked"           parser: 501, coding unknown
//   Transfer-Encoding in an HTTP/1.0 request    parser (RFC 9112 6.1)
//   bad chunk size: "zz", "-1", "0x3", "",      parser's chunked decoder
//     over 16 hex digits, "3 " (no extension)
//   chunk data longer than its size, no CRLF    parser's chunked decoder
//   chunk extension line over max_chunk_line    parser's chunked decoder
//   malformed chunk extension                   parser's chunked decoder
//   chunked body over max_body_bytes            parser: 413 when a chunk size
//                                               would pass the limit
//   obs-fold (a field line starting SP/HTAB)    parser's head scan (llhttp
//                                               accepts it); decoder in trailers
//   bare LF ending the request line or head     parser's head scan (llhttp
//                                               accepts both)
//   bare LF ending a header field               llhttp
//   bare CR anywhere in the head                llhttp
//   bare CR or LF in chunk framing or trailers  parser's chunked decoder
//   NUL or other CTL in a header value          llhttp
//   NUL, CTL, SP, DEL, byte >= 0x80 in target   llhttp (NUL, DEL, SP) and
//                                               parser (the others, which
//                                               llhttp's loose build lets by)
//   invalid header name char, space before ':'  llhttp (most) and parser
//     empty header name                         (tchar check: llhttp's loose
//                                               build takes "A B", "Host ", "")
//   invalid method (lower case, unknown)        llhttp
//   two spaces in the request line              parser's head scan
//   protocol other than "HTTP/" ("RTSP/1.0")    parser's head scan
//     or none ("GET /", llhttp's HTTP/0.9)
//   HTTP/2 preface "PRI * HTTP/2.0"             llhttp (pauses), parser: 400
//   PRI method, CONNECT                         parser: 400, 501
//   HTTP version other than 1.0 and 1.1         llhttp ("1.2") or parser: 505
//                                               (both answer 505)
//   HTTP/1.1 without Host, two Host fields,     parser (RFC 9112 3.2)
//     a Host not uri-host [":" port], empty
//   asterisk-form ("*") but not OPTIONS         parser (RFC 9112 3.2.4)
//   Expect other than 100-continue (HTTP/1.1)   parser: 417
//   target over max_uri_bytes                   parser: 414
//   head over max_header_bytes                  parser: 431; llhttp never sees
//                                               more than the limit
//   trailer section over max_header_bytes       parser: 431
//
// Trailers are checked like header fields and kept in the head's `trailers`,
// apart from its header fields: nothing in a trailer changes how a request
// is handled. They go into the head being filled at message_complete (a
// caller that swapped the head out at head_complete finds them in head()).
// Chunk extensions are checked and discarded.

#include <brisk/server/request.hpp>

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace brisk::server {

struct ParserLimits {
  // Request line and header section, CRLFs included; also the trailer
  // section of a chunked body, counted on its own.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_uri_bytes = 8 * 1024;
  std::uint64_t max_body_bytes = 1024 * 1024;
  // One chunk-size line: the size, its extensions and the CRLF.
  std::size_t max_chunk_line_bytes = 4096;
};

enum class ParseEvent : std::uint8_t { need_more, head_complete, body, message_complete, error };

struct ParseStep {
  ParseEvent event;
  std::size_t consumed;   // bytes of the input this step used
  std::string_view body;  // ParseEvent::body: a piece of the body, inside the input
};

struct ParseError {
  int status = 0;          // 400, 413, 414, 417, 431, 501, 505
  std::string_view reason;  // static text for the log and the response body
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  ParseStep execute(std::string_view data);

  // Forgets the connection it was parsing, whatever state it was in: ready
  // for a first request (a server reuses parsers across connections).
  void reset() noexcept;

  // The head of the current message, complete from head_complete on.
  RequestHead& head() noexcept { return *head_; }
  // From the next message on, the head goes into `head` (cleared now) instead
  // of the parser's own; `head` must outlive the parser or the next call.
  void parse_into(RequestHead& head) noexcept;
  // Valid after ParseEvent::error.
  const ParseError& error() const noexcept { return error_; }

  // Between head_complete and the first body byte: this message's body limit
  // instead of ParserLimits::max_body_bytes (a route's override). false, and
  // no change, when the declared Content-Length is already over it: answer
  // 413 and close.
  bool set_body_limit(std::uint64_t max_bytes) noexcept;

 private:
  enum class Phase : std::uint8_t { head, length_body, chunked_body, complete, closed, failed };
  enum class Chunk : std::uint8_t;
  enum class Field : std::uint8_t { other, transfer_encoding, host, expect };
  enum class Line : std::uint8_t;

  static int on_url(llhttp_t* p, const char* at, std::size_t n);
  static int on_version_complete(llhttp_t* p);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value_complete(llhttp_t* p);
  // Ends the field whose name starts at field_start_ and value at
  // value_start_ in `fields`' arena: trims OWS around the value, records it.
  void end_field(Headers& fields);
  static int on_headers_complete(llhttp_t* p);

  int fail(int status, std::string_view reason) noexcept;
  ParseStep failed(std::size_t consumed) noexcept { return {ParseEvent::error, consumed, {}}; }
  void begin_message() noexcept;
  ParseStep parse_head(std::string_view data);
  // The first rule llhttp does not enforce that the head bytes in [p, end)
  // break (status 0: none). Resumable across calls.
  ParseError scan_head(const char* p, const char* end) noexcept;
  void note_transfer_coding(std::string_view value) noexcept;
  void note_expectations(std::string_view value) noexcept;
  int check_head() noexcept;
  ParseStep parse_length_body(std::string_view data) noexcept;
  ParseStep parse_chunked_body(std::string_view data);
  ParseStep finish_message(std::size_t consumed) noexcept;

  ParserLimits limits_;
  llhttp_t llhttp_;
  llhttp_settings_t settings_;
  Phase phase_ = Phase::head;
  RequestHead own_head_;
  RequestHead* head_ = &own_head_;
  ParseError error_;

  // Head state.
  std::size_t head_bytes_ = 0;
  Line line_;
  std::size_t target_scanned_ = 0;  // bytes of the target scan_head has passed
  char last_ = 0;          // the last head byte scanned, for a CRLF split across reads
  std::uint8_t protocol_matched_ = 0;
  bool version_seen_ = false;  // llhttp read "HTTP/x.y" (not so for "GET /")
  std::size_t field_start_ = 0;  // arena offset of the field being read (head or trailers)
  std::size_t value_start_ = 0;
  Field field_ = Field::other;
  unsigned hosts_ = 0;
  bool host_invalid_ = false;
  bool expectation_unknown_ = false;
  unsigned te_fields_ = 0;
  unsigned te_chunked_ = 0;
  bool te_last_chunked_ = false;
  bool te_unknown_ = false;
  bool te_malformed_ = false;

  // Body state. What the body phase needs of the head is kept here: the
  // caller may swap head() away at head_complete.
  bool keep_alive_ = true;
  std::uint64_t declared_length_ = 0;  // Content-Length, 0 when none
  std::uint64_t body_limit_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t remaining_ = 0;  // of the Content-Length, or of the current chunk
  Chunk chunk_;
  std::size_t chunk_line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  unsigned chunk_digits_ = 0;
};

}  // namespace brisk::server
