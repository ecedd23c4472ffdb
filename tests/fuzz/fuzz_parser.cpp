// Fuzz target for RequestParser: any bytes, any way a connection might read
// them. The input is parsed twice, whole and cut into pieces where its first
// two bytes say, and both runs must tell the same story (the heads, bodies
// and trailers, and whether and with what status the bytes are refused after
// them), while the parser keeps its documented promises: need_more takes all
// it is given, a body piece lies inside its input, an error has a status and
// keeps being returned, no limit is passed, a route's body limit
// (set_body_limit) holds.
//
//   any build: fuzz_parser_replay runs tests/fuzz/corpus/parser as a test;
//   clang with -DBRISK_FUZZ=ON: fuzz_parser searches (tests/fuzz/CMakeLists.txt).

#include <brisk/server/parser.hpp>

#include "promise.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using brisk::fuzz::broken;
using brisk::fuzz::expect;
using brisk::server::ParseEvent;
using brisk::server::ParserLimits;
using brisk::server::ParseStep;
using brisk::server::RequestParser;

// Small limits, so that inputs a fuzzer finds reach every one of them.
ParserLimits small_limits() {
  ParserLimits limits;
  limits.max_header_bytes = 512;
  limits.max_uri_bytes = 128;
  limits.max_body_bytes = 2048;
  limits.max_chunk_line_bytes = 64;
  return limits;
}

void describe_fields(std::string& out, const brisk::server::Headers& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out.append(fields[i].name).append(": ").append(fields[i].value).append("\n");
  }
}

// What the parser made of `pieces`, fed one after another as reads.
std::string transcript(const std::vector<std::string_view>& pieces) {
  RequestParser parser(small_limits());
  std::string story;
  std::string body;
  std::uint64_t body_limit = 0;
  for (std::string_view input : pieces) {
    for (bool again = true; again;) {
      const ParseStep step = parser.execute(input);
      expect(step.consumed <= input.size(), "consumed no more than it was given");
      const std::string_view rest = input.substr(step.consumed);
      switch (step.event) {
        case ParseEvent::need_more:
          expect(rest.empty(), "need_more consumes all it was given");
          again = false;
          break;
        case ParseEvent::head_complete: {
          const auto& head = parser.head();
          expect(head.target.size() <= small_limits().max_uri_bytes, "the target is within max_uri_bytes");
          story.append("head ").append(to_string(head.method)).append(" ").append(head.target);
          story.append(" HTTP/").append(std::to_string(head.version_major)).append(".");
          story.append(std::to_string(head.version_minor)).append(head.keep_alive ? " keep-alive" : " close");
          story.append(head.chunked ? " chunked" : "");
          story.append(head.content_length ? " length " + std::to_string(*head.content_length) : "").append("\n");
          describe_fields(story, head.headers);
          // As a connection does with its route's limit: some heads get a
          // lower one than the parser's, some a higher.
          body_limit = std::uint64_t{256} << (head.target.size() % 5);
          if (!parser.set_body_limit(body_limit)) {
            expect(head.content_length.value_or(0) > body_limit, "a route's limit is refused only for a longer body");
            return story.append("refused: Content-Length over the route's limit\n");
          }
          break;  // and again, with what is left, even nothing
        }
        case ParseEvent::body:
          expect(!step.body.empty(), "a body piece is not empty");
          expect(step.body.data() >= input.data() && step.body.data() + step.body.size() <= input.data() + input.size(),
                 "a body piece lies inside the input");
          body.append(step.body);
          break;  // and again: the message may be complete with no more bytes
        case ParseEvent::message_complete:
          expect(body.size() <= body_limit, "a body is within its limit");
          story.append("body ").append(std::to_string(body.size())).append(" ").append(body).append("\n");
          describe_fields(story, parser.head().trailers);
          story.append("complete\n");
          body.clear();
          again = !rest.empty();
          break;
        case ParseEvent::error: {
          const auto& error = parser.error();
          expect(error.status >= 400 && error.status <= 505 && !error.reason.empty(), "an error has a status and a reason");
          const ParseStep after = parser.execute(rest);
          expect(after.event == ParseEvent::error && parser.error().status == error.status,
                 "an error keeps being returned");
          story.append("body so far ").append(std::to_string(body.size())).append(" ").append(body).append("\n");
          // With what status: of two faults, the first in byte order is the
          // one reported, wherever a read ended.
          story.append("refused ").append(std::to_string(error.status)).append("\n");
          return story;
        }
      }
      input = rest;
    }
  }
  if (!body.empty()) {
    story.append("body so far ").append(std::to_string(body.size())).append(" ").append(body).append("\n");
  }
  return story.append("end of input\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  // Two bytes choose the cuts: up to 16 pieces, each a byte-led length.
  const std::uint8_t cuts = data[0] % 16;
  std::uint8_t seed = data[1];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);

  std::vector<std::string_view> pieces;
  std::size_t at = 0;
  for (unsigned i = 0; i < cuts && at < bytes.size(); ++i) {
    seed = static_cast<std::uint8_t>(seed * 73 + 41);
    const std::size_t length = 1 + seed % 48;
    pieces.push_back(bytes.substr(at, length));
    at += pieces.back().size();
  }
  if (at < bytes.size() || pieces.empty()) {
    pieces.push_back(bytes.substr(at));  // a read is never empty but the first, of an empty input
  }

  const std::string whole = transcript({bytes});
  const std::string cut = transcript(pieces);
  if (whole != cut) {
    std::fprintf(stderr, "--- parsed whole:\n%s--- parsed in %zu pieces:\n%s", whole.c_str(), pieces.size(),
                 cut.c_str());
    broken("parsing in pieces tells the same story as parsing whole");
  }
  return 0;
}
