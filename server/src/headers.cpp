#include <brisk/server/headers.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

namespace brisk::server {
namespace {

constexpr std::array<bool, 256> tchar_table = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
    t[static_cast<std::size_t>(c - 'a' + 'A')] = true;
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}();

unsigned char lower(unsigned char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c | 0x20) : c; }

// field-value of RFC 9110 5.5: visible characters, SP, HTAB and obs-text.
bool is_field_value(std::string_view v) noexcept {
  return std::all_of(v.begin(), v.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

std::uint32_t narrow(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("brisk::server::Headers: more than 4 GiB of header bytes");
  }
  return static_cast<std::uint32_t>(n);
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_tchar(unsigned char c) noexcept { return tchar_table[c]; }

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

std::size_t Headers::find(std::string_view name, std::size_t from) const noexcept {
  for (std::size_t i = from; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (e.name_length == name.size() && iequals(bytes().substr(e.name_offset, e.name_length), name)) {
      return i;
    }
  }
  return npos;
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  std::size_t i = find(name);
  if (i == npos) {
    return std::nullopt;
  }
  return (*this)[i].value;
}

void Headers::add(std::string_view name, std::string_view value) {
  if (!is_token(name)) {
    throw std::invalid_argument("invalid header name '" + std::string(name) + "'");
  }
  if (!is_field_value(value)) {
    throw std::invalid_argument("invalid character in the value of header '" + std::string(name) + "'");
  }
  add_trusted(name, value);
}

void Headers::add_trusted(std::string_view name, std::string_view value) {
  Entry e{narrow(arena_.size()), narrow(name.size()), narrow(arena_.size() + name.size()), narrow(value.size())};
  arena_.append(name.data(), name.size());
  arena_.append(value.data(), value.size());
  entries_.push_back(e);
}

void Headers::set(std::string_view name, std::string_view value) {
  std::size_t first = find(name);
  if (first == npos) {
    add(name, value);
    return;
  }
  // Validate and append before touching the entries, so a refused value
  // leaves the Headers as it was.
  add(name, value);
  entries_[first] = entries_.back();
  entries_.pop_back();
  for (std::size_t i = first + 1; (i = find(name, i)) != npos;) {
    entries_.erase(i);
  }
}

std::size_t Headers::remove(std::string_view name) noexcept {
  auto it = std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return e.name_length == name.size() && iequals(bytes().substr(e.name_offset, e.name_length), name);
  });
  auto n = static_cast<std::size_t>(entries_.end() - it);
  entries_.truncate(entries_.size() - n);
  return n;
}

void Headers::clear() noexcept {
  arena_.clear();
  entries_.clear();
}

}  // namespace brisk::server
