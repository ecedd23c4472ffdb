#pragma once
// Headers: the header fields of a request or a response, in the order they
// were received or added, names kept as written. Lookups ignore ASCII case.
//
// All names and values live in one byte arena owned by the Headers, so a
// request's whole header section costs one buffer, and clear() keeps its
// capacity for the next request on the connection. The first few fields fit
// in the object itself: a response's Content-Type costs no allocation.
// Views returned by get(), operator[] and iteration point into that arena:
// they stay valid until the Headers is next modified (add, set, remove,
// clear) or destroyed.
//
// add() and set() refuse what could split a response: a name that is not an
// RFC 9110 token, a value holding CR, LF, NUL or another control character
// (std::invalid_argument). The request parser fills its Headers directly and
// validates in its own way (parser.hpp).

#include <brisk/server/detail/small_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace brisk::server {

// ASCII case-insensitive equality (header names, tokens such as "chunked").
bool iequals(std::string_view a, std::string_view b) noexcept;
// tchar of RFC 9110 5.6.2; a token is one or more of them.
bool is_tchar(unsigned char c) noexcept;
bool is_token(std::string_view s) noexcept;

class Headers {
 public:
  struct Field {
    std::string_view name;
    std::string_view value;
  };

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Field;

    const_iterator() noexcept = default;
    Field operator*() const noexcept { return (*headers_)[index_]; }
    const_iterator& operator++() noexcept {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      const_iterator old = *this;
      ++index_;
      return old;
    }
    bool operator==(const const_iterator& o) const noexcept { return index_ == o.index_; }

   private:
    friend class Headers;
    const_iterator(const Headers* h, std::size_t i) noexcept : headers_(h), index_(i) {}
    const Headers* headers_ = nullptr;
    std::size_t index_ = 0;
  };

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  Field operator[](std::size_t i) const noexcept {
    const Entry& e = entries_[i];
    return {bytes().substr(e.name_offset, e.name_length), bytes().substr(e.value_offset, e.value_length)};
  }
  const_iterator begin() const noexcept { return {this, 0}; }
  const_iterator end() const noexcept { return {this, entries_.size()}; }

  // Index of the first field named `name` at or after `from`, or npos.
  std::size_t find(std::string_view name, std::size_t from = 0) const noexcept;
  // The value of the first field named `name`.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return find(name) != npos; }

  // Appends a field (a repeated name is kept as another field).
  void add(std::string_view name, std::string_view value);
  // Replaces every field named `name` with one field, where the first was.
  void set(std::string_view name, std::string_view value);
  // Removes every field named `name`; returns how many there were.
  std::size_t remove(std::string_view name) noexcept;
  void clear() noexcept;

 private:
  friend class RequestParser;
  friend class Response;

  // add() without the checks, for names and values the library itself
  // spells (a Response's Content-Type).
  void add_trusted(std::string_view name, std::string_view value);

  struct Entry {
    std::uint32_t name_offset;
    std::uint32_t name_length;
    std::uint32_t value_offset;
    std::uint32_t value_length;
  };

  std::string_view bytes() const noexcept { return {arena_.data(), arena_.size()}; }

  // Sized for a response's own fields and a small request's: beyond them,
  // one heap buffer each, kept across clear().
  detail::SmallVector<char, 64> arena_;
  detail::SmallVector<Entry, 4> entries_;
};

}  // namespace brisk::server
