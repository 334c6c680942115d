// How a shard's inverted lists grow while rows are added: Faiss's array lists append entry by entry, and
// std::vector doubles an array each time it fills, so a shard's lists end its add up to twice (about 1.4 times
// on average, 1.7 in ShardMemoryTest's shard) the bytes of their entries. Making room a quarter at a time
// before each batch's entries are appended keeps that slack near a tenth.
#pragma once

#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/invlists/InvertedLists.h>

#include <algorithm>
#include <cstdint>
#include <typeinfo>
#include <vector>

namespace vecforge {

/** Index types whose add_with_ids is IndexIVF's own (assign, then add_core): their add can be split there. */
inline bool addsAsBareIvf(const faiss::Index& index) {
    const std::type_info& type = typeid(index);
    return type == typeid(faiss::IndexIVFFlat) || type == typeid(faiss::IndexIVFPQ)
            || type == typeid(faiss::IndexIVFScalarQuantizer);
}

/** Growth of a list's arrays when a batch outgrows them: a quarter, not std::vector's doubling. */
constexpr double LIST_GROWTH = 1.25;

/**
 * Makes room in each of Faiss's array lists for the n entries about to be appended to them (assign: each
 * entry's list, -1 for none), a quarter more than the list then holds: about five times the entries' bytes
 * copied over a shard's add instead of twice, for arrays about 10% larger than their entries instead of up to
 * twice as large. The entries and their order are what the add writes either way. Other lists (on disk, views
 * of a mapped file) are left to grow as they do.
 */
inline void growListsGently(faiss::InvertedLists* lists, faiss::idx_t n, const faiss::idx_t* assign) {
    auto* arrays = dynamic_cast<faiss::ArrayInvertedLists*>(lists);
    if (arrays == nullptr || typeid(*arrays) != typeid(faiss::ArrayInvertedLists) || n <= 0) return;
    std::vector<uint32_t> added(arrays->nlist, 0);
    for (faiss::idx_t i = 0; i < n; i++) {
        if (assign[i] >= 0 && (size_t)assign[i] < arrays->nlist) added[(size_t)assign[i]]++;
    }
    const size_t codeSize = arrays->code_size;
    for (size_t list = 0; list < arrays->nlist; list++) {
        if (added[list] == 0) continue;
        auto& ids = arrays->ids[list];
        auto& codes = arrays->codes[list];
        if (!ids.is_owned || !codes.is_owned) continue;
        const size_t size = ids.size();
        const size_t needed = size + added[list];
        if (ids.owned_data.capacity() >= needed && codes.owned_data.capacity() >= needed * codeSize) continue;
        const size_t entries = std::max(needed, (size_t)((double)size * LIST_GROWTH) + 16);
        ids.owned_data.reserve(entries);
        ids.resize(size); // MaybeOwnedVector caches its data pointer: resize refreshes it
        codes.owned_data.reserve(entries * codeSize);
        codes.resize(size * codeSize);
    }
}

} // namespace vecforge
