#pragma once
// The text encodings kubectl reads manifests in: cli-runtime's FileVisitor wraps every file and stdin in
// unicode.BOMOverride(unicode.UTF8.NewDecoder()), so a UTF-16 file with its byte order mark (what Windows
// PowerShell 5's `>` writes) is read as its UTF-8 text, and a UTF-8 byte order mark is dropped.
#include <string>

namespace kube {

// Makes `text` UTF-8 in place: UTF-16 LE or BE after their BOM transcoded (an unpaired surrogate or a
// trailing odd byte becomes U+FFFD, as Go's decoder writes it), a UTF-8 BOM removed; else left alone.
void decodeByteOrderMark(std::string& text);

}  // namespace kube
