#pragma once
// Normalisation of set elements into the disjoint, sorted intervals that nftables interval sets accept
// ("conflicting intervals" otherwise): overlapping or adjacent ranges are merged and their origins
// (policy rule names) united.
#include <vector>

#include "netpol/ruleset.h"

namespace netpol {

std::vector<AddressElement> normalizeAddressElements(std::vector<AddressElement> elements);

// Splits the address axis at every boundary, merges port ranges per protocol inside each piece, then
// joins neighbouring pieces with identical port sets: the result is disjoint boxes.
std::vector<PortElement> normalizePortElements(const std::vector<PortElement>& elements);

}  // namespace netpol
