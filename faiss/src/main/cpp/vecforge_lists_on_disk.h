// Inverted lists that keep a shard's entries on disk, not in native memory: while a shard is built
// (SpilledInvertedLists: each list's newest entries in a small buffer, full buffers appended to an unlinked
// scratch file) and while a written shard is searched and checked (FileInvertedLists: each list read from the
// shard file when Faiss asks for it). Native memory then no longer grows with the shard: a shard task holds
// the buffers (bounded by a byte budget over all lists), a validation task the lists its searches hold at once.
//
// A shard written from spilled lists is the file Faiss's own ArrayInvertedLists would write for the same adds,
// byte for byte: ListsOnDiskIO::write emits the "ilar" layout (every list's codes, then its ids, list by list),
// so stock Faiss reads it. FileInvertedLists are made by Faiss's reader itself: read_index with
// ListsOnDiskIO::READ_FLAGS hands the hook the file positioned at the lists' data.
#pragma once

#include <faiss/impl/FaissAssert.h>
#include <faiss/impl/io.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/invlists/InvertedListsIOHook.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <vector>

namespace vecforge {
namespace ondisk {

inline void readFully(int fd, void* out, size_t bytes, uint64_t offset) {
    auto* p = static_cast<uint8_t*>(out);
    while (bytes > 0) {
        ssize_t got = ::pread(fd, p, bytes, (off_t)offset);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            FAISS_THROW_FMT("inverted lists on disk: cannot read %zu bytes at %llu: %s", bytes,
                            (unsigned long long)offset, got < 0 ? std::strerror(errno) : "the file ends first");
        }
        p += got;
        bytes -= (size_t)got;
        offset += (uint64_t)got;
    }
}

inline void writeFully(int fd, const void* in, size_t bytes, uint64_t offset) {
    const auto* p = static_cast<const uint8_t*>(in);
    while (bytes > 0) {
        ssize_t put = ::pwrite(fd, p, bytes, (off_t)offset);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) {
            FAISS_THROW_FMT("inverted lists on disk: cannot write %zu bytes at %llu: %s", bytes,
                            (unsigned long long)offset, put < 0 ? std::strerror(errno) : "no progress");
        }
        p += put;
        bytes -= (size_t)put;
        offset += (uint64_t)put;
    }
}

/** a * b, or an exception naming what overflowed. */
inline size_t times(size_t a, size_t b, const char* what) {
    if (a != 0 && b > std::numeric_limits<size_t>::max() / a) FAISS_THROW_FMT("inverted lists on disk: %s overflows", what);
    return a * b;
}

inline void put(faiss::IOWriter* f, const void* data, size_t bytes) {
    if (bytes > 0 && (*f)(data, 1, bytes) != bytes) FAISS_THROW_MSG("inverted lists on disk: the index file's write failed");
}

} // namespace ondisk

/**
 * Lists that buffer each list's newest entries in memory (at most chunkEntries a list, allocated when the list
 * first gets one) and append every full buffer, codes then ids, to a scratch file that is unlinked as soon as it
 * is made (nothing is left behind, even by a crash). Entries keep their order within a list, as Faiss's array
 * lists keep it. add_entries is safe for concurrent calls on different lists (IndexIVF::add_core's threads each
 * take their own lists). Reading a list back (get_codes, get_ids) gathers it from the file into a new buffer.
 */
class SpilledInvertedLists : public faiss::InvertedLists {
public:
    /** Smallest and largest buffer, in entries a list. */
    static constexpr size_t MIN_CHUNK = 8;
    static constexpr size_t MAX_CHUNK = 4096;

    SpilledInvertedLists(size_t nlist, size_t codeSize, const char* directory, size_t bufferBytes)
            : faiss::InvertedLists(nlist, codeSize), lists_(nlist) {
        FAISS_THROW_IF_NOT_MSG(nlist > 0 && codeSize > 0, "inverted lists on disk: empty lists or codes");
        size_t perEntryOfEveryList = ondisk::times(nlist, codeSize + sizeof(faiss::idx_t), "the buffer size");
        chunkEntries_ = std::min(MAX_CHUNK, std::max(MIN_CHUNK, bufferBytes / perEntryOfEveryList));
        std::string pattern = std::string(directory) + "/vecforge-lists-XXXXXX";
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        fd_ = ::mkostemp(name.data(), O_CLOEXEC); // not inherited by processes the executor starts
        if (fd_ < 0) FAISS_THROW_FMT("inverted lists on disk: cannot make a file in %s: %s", directory, std::strerror(errno));
        ::unlink(name.data());
    }

    ~SpilledInvertedLists() override {
        if (fd_ >= 0) ::close(fd_);
    }

    SpilledInvertedLists(const SpilledInvertedLists&) = delete;
    SpilledInvertedLists& operator=(const SpilledInvertedLists&) = delete;

    size_t chunkEntries() const { return chunkEntries_; }
    /** Bytes appended to the scratch file so far. */
    uint64_t spilledBytes() const { return end_.load(); }

    size_t list_size(size_t list_no) const override { return lists_.at(list_no).size; }

    const uint8_t* get_codes(size_t list_no) const override {
        const List& list = lists_.at(list_no);
        auto out = std::make_unique<uint8_t[]>(std::max<size_t>(1, ondisk::times(list.size, code_size, "a list")));
        size_t chunkCodes = chunkEntries_ * code_size;
        for (size_t c = 0; c < list.chunks.size(); c++) {
            ondisk::readFully(fd_, out.get() + c * chunkCodes, chunkCodes, list.chunks[c]);
        }
        std::memcpy(out.get() + list.chunks.size() * chunkCodes, list.codes.data(), list.codes.size());
        return out.release();
    }

    const faiss::idx_t* get_ids(size_t list_no) const override {
        const List& list = lists_.at(list_no);
        auto out = std::make_unique<faiss::idx_t[]>(std::max<size_t>(1, list.size));
        size_t chunkCodes = chunkEntries_ * code_size;
        for (size_t c = 0; c < list.chunks.size(); c++) {
            ondisk::readFully(fd_, out.get() + c * chunkEntries_, chunkEntries_ * sizeof(faiss::idx_t),
                              list.chunks[c] + chunkCodes);
        }
        std::memcpy(out.get() + list.chunks.size() * chunkEntries_, list.ids.data(),
                    list.ids.size() * sizeof(faiss::idx_t));
        return out.release();
    }

    void release_codes(size_t, const uint8_t* codes) const override { delete[] codes; }
    void release_ids(size_t, const faiss::idx_t* ids) const override { delete[] ids; }

    const uint8_t* get_single_code(size_t list_no, size_t offset) const override {
        const uint8_t* codes = get_codes(list_no);
        std::unique_ptr<const uint8_t[]> all(codes);
        FAISS_THROW_IF_NOT(offset < list_size(list_no));
        auto one = std::make_unique<uint8_t[]>(code_size);
        std::memcpy(one.get(), codes + offset * code_size, code_size);
        return one.release();
    }

    /**
     * Faiss calls this inside its OpenMP loops, where an exception would end the process: a failure (the disk
     * full, memory short) is kept instead, the entries stay in memory, and throwIfFailed() raises it once the
     * add is back outside the loop.
     */
    size_t add_entries(size_t list_no, size_t n, const faiss::idx_t* ids, const uint8_t* codes) override {
        if (list_no >= lists_.size()) {
            fail("an entry for list " + std::to_string(list_no) + " of " + std::to_string(lists_.size()));
            return 0;
        }
        List& list = lists_[list_no];
        size_t first = list.size;
        try {
            if (list.ids.capacity() == 0) {
                list.ids.reserve(chunkEntries_);
                list.codes.reserve(chunkEntries_ * code_size);
            }
            for (size_t i = 0; i < n;) {
                size_t room = failed_.load() ? n - i : chunkEntries_ - list.ids.size();
                size_t take = std::min(n - i, room);
                list.ids.insert(list.ids.end(), ids + i, ids + i + take);
                list.codes.insert(list.codes.end(), codes + i * code_size, codes + (i + take) * code_size);
                i += take;
                if (!failed_.load() && list.ids.size() == chunkEntries_) spill(list);
            }
        } catch (const std::exception& e) {
            fail(e.what());
        } catch (...) {
            fail("unknown error");
        }
        list.size += n;
        return first;
    }

    /** Raises the first failure an add kept (add_entries); the lists are not to be written after one. */
    void throwIfFailed() const {
        if (!failed_.load()) return;
        std::lock_guard<std::mutex> lock(failureLock_);
        FAISS_THROW_FMT("inverted lists on disk: %s", failure_.c_str());
    }

    void update_entries(size_t, size_t, size_t, const faiss::idx_t*, const uint8_t*) override {
        FAISS_THROW_MSG("inverted lists on disk take new entries only");
    }

    void resize(size_t, size_t) override { FAISS_THROW_MSG("inverted lists on disk take new entries only"); }

    /** Emits list list_no's codes, then its ids, as ArrayInvertedLists' write does, reading back at most a chunk at a time. */
    void writeList(size_t list_no, faiss::IOWriter* f) const {
        const List& list = lists_.at(list_no);
        size_t chunkCodes = chunkEntries_ * code_size;
        size_t chunkIds = chunkEntries_ * sizeof(faiss::idx_t);
        std::vector<uint8_t> buffer(std::max(chunkCodes, chunkIds));
        for (uint64_t chunk : list.chunks) {
            ondisk::readFully(fd_, buffer.data(), chunkCodes, chunk);
            ondisk::put(f, buffer.data(), chunkCodes);
        }
        ondisk::put(f, list.codes.data(), list.codes.size());
        for (uint64_t chunk : list.chunks) {
            ondisk::readFully(fd_, buffer.data(), chunkIds, chunk + chunkCodes);
            ondisk::put(f, buffer.data(), chunkIds);
        }
        ondisk::put(f, list.ids.data(), list.ids.size() * sizeof(faiss::idx_t));
    }

private:
    struct List {
        size_t size = 0;
        std::vector<faiss::idx_t> ids;    // the entries not yet spilled (fewer than chunkEntries_)
        std::vector<uint8_t> codes;
        std::vector<uint64_t> chunks;     // file offsets of the list's full chunks, in order
    };

    /** Appends the list's full buffer to the file; on a failure the entries stay in memory. */
    void spill(List& list) {
        size_t chunkCodes = chunkEntries_ * code_size;
        size_t bytes = chunkCodes + chunkEntries_ * sizeof(faiss::idx_t);
        uint64_t at = end_.fetch_add(bytes);
        try {
            ondisk::writeFully(fd_, list.codes.data(), chunkCodes, at);
            ondisk::writeFully(fd_, list.ids.data(), bytes - chunkCodes, at + chunkCodes);
            list.chunks.push_back(at);
        } catch (const std::exception& e) {
            fail(e.what());
            return;
        }
        list.ids.clear();
        list.codes.clear();
    }

    void fail(const std::string& what) {
        std::lock_guard<std::mutex> lock(failureLock_);
        if (!failed_.load()) failure_ = what;
        failed_.store(true);
    }

    std::vector<List> lists_;
    int fd_ = -1;
    size_t chunkEntries_ = MIN_CHUNK;
    std::atomic<uint64_t> end_{0};
    std::atomic<bool> failed_{false};
    mutable std::mutex failureLock_;
    std::string failure_;
};

/**
 * The lists of a written shard ("ilar" layout), read from the file when asked for: each get_codes / get_ids
 * reads that list into a new buffer, freed by the matching release. Offsets are checked against the file's
 * length when the lists are opened, so no read goes past it and no buffer is larger than the file.
 */
class FileInvertedLists : public faiss::ReadOnlyInvertedLists {
public:
    FileInvertedLists(int fd, size_t nlist, size_t codeSize, const std::vector<size_t>& sizes, uint64_t dataStart,
                      uint64_t fileBytes)
            : faiss::ReadOnlyInvertedLists(nlist, codeSize), sizes_(sizes), offsets_(nlist, 0) {
        FAISS_THROW_IF_NOT_MSG(sizes.size() == nlist, "inverted lists on disk: list sizes do not match nlist");
        uint64_t at = dataStart;
        for (size_t list = 0; list < nlist; list++) {
            offsets_[list] = at;
            size_t bytes = ondisk::times(sizes[list], codeSize + sizeof(faiss::idx_t), "a list's bytes");
            if (bytes > fileBytes || at > fileBytes - bytes) {
                FAISS_THROW_FMT("inverted lists on disk: list %zu of %zu entries ends past the file's %llu bytes",
                                list, sizes[list], (unsigned long long)fileBytes);
            }
            at += bytes;
        }
        end_ = at;
        fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (fd_ < 0) FAISS_THROW_FMT("inverted lists on disk: %s", std::strerror(errno));
    }

    ~FileInvertedLists() override {
        if (fd_ >= 0) ::close(fd_);
    }

    FileInvertedLists(const FileInvertedLists&) = delete;
    FileInvertedLists& operator=(const FileInvertedLists&) = delete;

    /** Where the lists' data ends in the file: the rest of the index follows. */
    uint64_t end() const { return end_; }

    size_t list_size(size_t list_no) const override { return sizes_.at(list_no); }

    const uint8_t* get_codes(size_t list_no) const override {
        size_t bytes = sizes_.at(list_no) * code_size; // checked against the file when opened
        auto out = std::make_unique<uint8_t[]>(std::max<size_t>(1, bytes));
        ondisk::readFully(fd_, out.get(), bytes, offsets_[list_no]);
        return out.release();
    }

    const faiss::idx_t* get_ids(size_t list_no) const override {
        size_t n = sizes_.at(list_no);
        auto out = std::make_unique<faiss::idx_t[]>(std::max<size_t>(1, n));
        ondisk::readFully(fd_, out.get(), n * sizeof(faiss::idx_t), offsets_[list_no] + n * code_size);
        return out.release();
    }

    void release_codes(size_t, const uint8_t* codes) const override { delete[] codes; }
    void release_ids(size_t, const faiss::idx_t* ids) const override { delete[] ids; }

    const uint8_t* get_single_code(size_t list_no, size_t offset) const override {
        FAISS_THROW_IF_NOT(offset < list_size(list_no));
        auto one = std::make_unique<uint8_t[]>(code_size);
        ondisk::readFully(fd_, one.get(), code_size, offsets_[list_no] + offset * code_size);
        return one.release();
    }

private:
    std::vector<size_t> sizes_;
    std::vector<uint64_t> offsets_;
    uint64_t end_ = 0;
    int fd_ = -1;
};

/**
 * Faiss's IO hook for both: writes SpilledInvertedLists as Faiss writes ArrayInvertedLists ("ilar"), and reads
 * an "ilar" section as FileInvertedLists when read_index gets READ_FLAGS. Registered once (registered()).
 */
class ListsOnDiskIO : public faiss::InvertedListsIOHook {
public:
    /** The hook's fourcc "ilvf": only its two upper bytes travel in read_index's flags. */
    static constexpr uint32_t KEY = (uint32_t)'i' | ((uint32_t)'l' << 8) | ((uint32_t)'v' << 16) | ((uint32_t)'f' << 24);
    static constexpr int READ_FLAGS = (int)(faiss::IO_FLAG_SKIP_IVF_DATA | (KEY & 0xffff0000u));

    ListsOnDiskIO() : faiss::InvertedListsIOHook("ilvf", typeid(SpilledInvertedLists).name()) {}

    /** Adds the hook to Faiss's registry the first time it is called (thread-safe). */
    static bool registered() {
        static const bool once = [] {
            faiss::InvertedListsIOHook::add_callback(new ListsOnDiskIO());
            return true;
        }();
        return once;
    }

    void write(const faiss::InvertedLists* lists, faiss::IOWriter* f) const override {
        const auto* spilled = dynamic_cast<const SpilledInvertedLists*>(lists);
        FAISS_THROW_IF_NOT_MSG(spilled != nullptr, "ListsOnDiskIO writes spilled lists only");
        spilled->throwIfFailed();
        uint32_t h = (uint32_t)'i' | ((uint32_t)'l' << 8) | ((uint32_t)'a' << 16) | ((uint32_t)'r' << 24);
        ondisk::put(f, &h, sizeof(h));
        ondisk::put(f, &spilled->nlist, sizeof(spilled->nlist));
        ondisk::put(f, &spilled->code_size, sizeof(spilled->code_size));
        size_t nonEmpty = 0;
        for (size_t i = 0; i < spilled->nlist; i++) {
            if (spilled->list_size(i) > 0) nonEmpty++;
        }
        // what write_InvertedLists chooses for ArrayInvertedLists: every size, or (list, size) pairs of the others
        std::vector<size_t> sizes;
        uint32_t listType;
        if (nonEmpty > spilled->nlist / 2) {
            listType = (uint32_t)'f' | ((uint32_t)'u' << 8) | ((uint32_t)'l' << 16) | ((uint32_t)'l' << 24);
            for (size_t i = 0; i < spilled->nlist; i++) sizes.push_back(spilled->list_size(i));
        } else {
            listType = (uint32_t)'s' | ((uint32_t)'p' << 8) | ((uint32_t)'r' << 16) | ((uint32_t)'s' << 24);
            for (size_t i = 0; i < spilled->nlist; i++) {
                if (spilled->list_size(i) > 0) {
                    sizes.push_back(i);
                    sizes.push_back(spilled->list_size(i));
                }
            }
        }
        ondisk::put(f, &listType, sizeof(listType));
        size_t count = sizes.size();
        ondisk::put(f, &count, sizeof(count));
        ondisk::put(f, sizes.data(), count * sizeof(size_t));
        for (size_t i = 0; i < spilled->nlist; i++) {
            if (spilled->list_size(i) > 0) spilled->writeList(i, f);
        }
    }

    faiss::InvertedLists* read(faiss::IOReader*, int) const override {
        FAISS_THROW_MSG("no file holds \"ilvf\" lists: spilled lists are written as \"ilar\"");
    }

    faiss::InvertedLists* read_ArrayInvertedLists(faiss::IOReader* f, int, size_t nlist, size_t codeSize,
                                                  const std::vector<size_t>& sizes) const override {
        auto* file = dynamic_cast<faiss::FileIOReader*>(f);
        FAISS_THROW_IF_NOT_MSG(file != nullptr && file->f != nullptr, "inverted lists on disk need a file");
        long position = std::ftell(file->f);
        struct stat st;
        if (position < 0 || ::fstat(::fileno(file->f), &st) != 0) {
            FAISS_THROW_FMT("inverted lists on disk: %s", std::strerror(errno));
        }
        auto lists = std::make_unique<FileInvertedLists>(::fileno(file->f), nlist, codeSize, sizes, (uint64_t)position,
                                                         (uint64_t)st.st_size);
        // past the lists' data: whatever the index writes after its lists is read from there
        if (::fseeko(file->f, (off_t)lists->end(), SEEK_SET) != 0) {
            FAISS_THROW_FMT("inverted lists on disk: %s", std::strerror(errno));
        }
        return lists.release();
    }
};

} // namespace vecforge
