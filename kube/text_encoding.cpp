#include "kube/text_encoding.h"

namespace kube {
namespace {

void appendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string fromUtf16(const std::string& bytes, size_t start, bool bigEndian) {
  constexpr char32_t kReplacement = 0xFFFD;
  auto unit = [&](size_t i) -> char32_t {
    auto b0 = static_cast<unsigned char>(bytes[i]), b1 = static_cast<unsigned char>(bytes[i + 1]);
    return bigEndian ? (b0 << 8 | b1) : (b1 << 8 | b0);
  };
  std::string out;
  out.reserve(bytes.size() / 2);
  size_t i = start;
  for (; i + 1 < bytes.size(); i += 2) {
    char32_t c = unit(i);
    if (c >= 0xD800 && c < 0xDC00 && i + 3 < bytes.size()) {
      char32_t low = unit(i + 2);
      if (low >= 0xDC00 && low < 0xE000) {
        appendUtf8(out, 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    appendUtf8(out, c >= 0xD800 && c < 0xE000 ? kReplacement : c);
  }
  if (i < bytes.size()) appendUtf8(out, kReplacement);  // an odd byte at the end
  return out;
}

}  // namespace

void decodeByteOrderMark(std::string& text) {
  auto startsWith = [&](const char* bom, size_t n) { return text.size() >= n && text.compare(0, n, bom, n) == 0; };
  if (startsWith("\xEF\xBB\xBF", 3)) text.erase(0, 3);
  else if (startsWith("\xFF\xFE", 2)) text = fromUtf16(text, 2, false);
  else if (startsWith("\xFE\xFF", 2)) text = fromUtf16(text, 2, true);
}

}  // namespace kube
