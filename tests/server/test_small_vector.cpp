// SmallVector, the inline-first storage under Headers, and Headers past its
// inline space.

#include <brisk/server/detail/small_vector.hpp>
#include <brisk/server/headers.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>

using brisk::detail::SmallVector;
using brisk::server::Headers;

namespace {

std::string_view view(const SmallVector<char, 8>& v) { return {v.data(), v.size()}; }

}  // namespace

TEST_CASE("small vector: stays inline up to N, then moves to the heap", "[small_vector]") {
  SmallVector<char, 8> v;
  CHECK(v.is_inline());
  v.append("abcdefgh", 8);
  CHECK(v.is_inline());
  CHECK(view(v) == "abcdefgh");
  v.push_back('i');
  CHECK_FALSE(v.is_inline());
  CHECK(v.capacity() >= 9);
  CHECK(view(v) == "abcdefghi");
}

TEST_CASE("small vector: clear keeps a heap buffer for reuse", "[small_vector]") {
  SmallVector<char, 8> v;
  v.append("0123456789abcdef", 16);
  const char* buffer = v.data();
  v.clear();
  CHECK(v.empty());
  v.append("0123456789", 10);
  CHECK(v.data() == buffer);
  CHECK(view(v) == "0123456789");
}

TEST_CASE("small vector: moving an inline vector copies, moving a heap one takes the buffer", "[small_vector]") {
  SmallVector<char, 8> small;
  small.append("abc", 3);
  SmallVector<char, 8> moved(std::move(small));
  CHECK(view(moved) == "abc");
  CHECK(moved.is_inline());
  CHECK(small.empty());  // NOLINT(bugprone-use-after-move): moved-from is specified empty
  small.append("again", 5);
  CHECK(view(small) == "again");

  SmallVector<char, 8> big;
  big.append("0123456789", 10);
  const char* buffer = big.data();
  SmallVector<char, 8> taken;
  taken.append("x", 1);
  taken = std::move(big);
  CHECK(taken.data() == buffer);
  CHECK(view(taken) == "0123456789");
  CHECK(big.empty());  // NOLINT(bugprone-use-after-move)
  CHECK(big.is_inline());

  taken = std::move(moved);  // heap to inline: the old buffer is freed (ASan checks)
  CHECK(view(taken) == "abc");
  CHECK(taken.is_inline());
}

TEST_CASE("small vector: copies are independent", "[small_vector]") {
  SmallVector<char, 8> a;
  a.append("0123456789", 10);
  SmallVector<char, 8> b(a);
  b.pop_back();
  CHECK(view(a) == "0123456789");
  CHECK(view(b) == "012345678");
  SmallVector<char, 8> c;
  c.append("zz", 2);
  c = a;
  CHECK(view(c) == "0123456789");
  c = c;  // NOLINT(misc-redundant-expression): self-assignment keeps the elements
  CHECK(view(c) == "0123456789");
}

TEST_CASE("small vector: std::swap, inline or on the heap", "[small_vector]") {
  SmallVector<char, 8> a;
  SmallVector<char, 8> b;
  a.append("abc", 3);
  b.append("0123456789", 10);
  std::swap(a, b);
  CHECK(view(a) == "0123456789");
  CHECK(view(b) == "abc");
  SmallVector<char, 8> c;
  c.append("0123456789abcdef", 16);
  const char* a_buffer = a.data();
  const char* c_buffer = c.data();
  std::swap(a, c);  // both on the heap: buffers trade
  CHECK(a.data() == c_buffer);
  CHECK(c.data() == a_buffer);
  CHECK(view(a) == "0123456789abcdef");
  std::swap(b, b);
  CHECK(view(b) == "abc");
}

TEST_CASE("small vector: erase and truncate", "[small_vector]") {
  SmallVector<int, 2> v;
  for (int i = 0; i < 5; ++i) {
    v.push_back(i);
  }
  v.erase(0);
  v.erase(2);  // was 3
  REQUIRE(v.size() == 3);
  CHECK(v[0] == 1);
  CHECK(v[1] == 2);
  CHECK(v.back() == 4);
  v.truncate(1);
  REQUIRE(v.size() == 1);
  CHECK(v[0] == 1);
}

TEST_CASE("headers: many fields past the inline space keep their order and values", "[headers]") {
  Headers h;
  for (int i = 0; i < 40; ++i) {
    h.add("X-Field-" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v'));
  }
  Headers copy = h;
  Headers moved = std::move(h);
  for (const Headers* headers : {&copy, &moved}) {
    REQUIRE(headers->size() == 40);
    for (std::size_t i = 0; i < 40; ++i) {
      CHECK((*headers)[i].name == "X-Field-" + std::to_string(i));
      CHECK((*headers)[i].value == std::string(i, 'v'));
    }
  }
  CHECK(moved.remove("x-field-3") == 1);
  moved.set("X-FIELD-5", "five");
  CHECK(moved.size() == 39);
  CHECK(moved.get("x-field-5") == "five");
  CHECK(moved[3].name == "X-Field-4");
}
