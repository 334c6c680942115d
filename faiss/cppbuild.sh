#!/usr/bin/env bash
# Builds Faiss from its pinned source archive into a private, cached prefix (the javacpp-presets
# cppbuild step for our one preset). The faiss module's pom runs it before JavaCPP parses the facade.
#
#   cppbuild.sh <link> [archive]
#
#   link     a symlink made to point at the prefix (include/, lib/libfaiss.a); the pom reads from it
#   archive  a path or an http(s)/file URL of faiss-<version>.tar.gz (default: $FAISS_ARCHIVE, else
#            ../shared/deps/faiss-<version>.tar.gz beside the repository)
#
# The archive's sha256 is checked before anything is extracted. The prefix is keyed by (version,
# sha256, build flags) under ${VECFORGE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/vecforge}, so a second
# build, or another clone on the same machine, reuses it in a second; concurrent builds wait on a
# lock instead of building twice. Nothing is written next to the archive.
set -euo pipefail

faiss_version=1.15.0
faiss_sha256=4463b83d6799e9ff90e0d2aa4f400206d277a75df1be4d9c244cfc8ae77db3fa
# CPU only, static and position-independent (it is linked into our JNI library), OpenBLAS, and
# runtime SIMD dispatch (dd): one library runs on every x86-64 executor, AVX2 and AVX-512 alike.
cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release
  -DFAISS_OPT_LEVEL=dd
  -DFAISS_ENABLE_GPU=OFF
  -DFAISS_ENABLE_PYTHON=OFF
  -DFAISS_ENABLE_EXTRAS=OFF
  -DFAISS_ENABLE_MKL=OFF
  -DFAISS_ENABLE_C_API=OFF
  -DBUILD_TESTING=OFF
  -DBUILD_SHARED_LIBS=OFF
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DBLA_VENDOR=OpenBLAS
)

link="${1:?usage: cppbuild.sh <link> [archive]}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
archive="${2:-${FAISS_ARCHIVE:-$here/../../shared/deps/faiss-$faiss_version.tar.gz}}"
cache="${VECFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vecforge}"
key="$(printf '%s\n' "$faiss_version" "$faiss_sha256" "${cmake_flags[@]}" "$(c++ --version | head -1)" |
       sha256sum | cut -c1-12)"
prefix="$cache/faiss-$faiss_version-$key"

say() { echo "faiss-cppbuild: $*"; }
fail() { echo "faiss-cppbuild: ERROR: $*" >&2; exit 1; }

publish_link() {
  mkdir -p "$(dirname "$link")"
  ln -sfn "$prefix" "$link.tmp" && mv -Tf "$link.tmp" "$link"
}

if [[ -f "$prefix/.complete" ]]; then
  say "reusing Faiss $faiss_version from $prefix"
  publish_link
  exit 0
fi

mkdir -p "$cache"
exec 9>"$prefix.lock"
if ! flock -n 9; then
  say "another build of $prefix is running; waiting for it"
  flock 9
fi
if [[ -f "$prefix/.complete" ]]; then
  say "reusing Faiss $faiss_version from $prefix (built meanwhile)"
  publish_link
  exit 0
fi

for tool in cmake ninja c++ sha256sum tar; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (scripts/setup.sh installs the build tools)"
done

work="$(mktemp -d "$cache/faiss-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

case "$archive" in
  http://* | https://* | file://*)
    say "downloading $archive"
    command -v curl >/dev/null || fail "curl is needed to download $archive"
    curl -fsSL --retry 3 -o "$work/faiss.tar.gz" "$archive" || fail "cannot download $archive"
    source_file="$work/faiss.tar.gz" ;;
  *)
    [[ -f "$archive" ]] || fail "the Faiss source archive faiss-$faiss_version.tar.gz (sha256 $faiss_sha256) is not at $archive; set -Dfaiss.archive=PATH_OR_URL or FAISS_ARCHIVE (README: Faiss)"
    source_file="$archive" ;;
esac
actual="$(sha256sum "$source_file" | cut -d' ' -f1)"
[[ "$actual" == "$faiss_sha256" ]] ||
  fail "$archive has sha256 $actual; expected faiss-$faiss_version.tar.gz with sha256 $faiss_sha256"

say "building Faiss $faiss_version (${cmake_flags[*]}) into $prefix; about 7 minutes on 2 cores"
start=$SECONDS
tar -xzf "$source_file" -C "$work"
src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'faiss*' | head -1)"
[[ -f "$src/CMakeLists.txt" ]] || fail "$archive holds no faiss source tree"
staging="$prefix.staging.$$"
rm -rf "$prefix".staging.*  # left by a build that died; we hold the lock, so none is running
cmake -S "$src" -B "$work/build" -G Ninja "${cmake_flags[@]}" -DCMAKE_INSTALL_PREFIX="$staging" \
  > "$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log" >&2; fail "cmake configure failed"; }
jobs="${VECFORGE_BUILD_JOBS:-$(nproc)}"
# Progress every minute: the build is the longest step of a cold checkout.
( while sleep 60; do say "still compiling ($(( SECONDS - start )) s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true; rm -rf "$work"' EXIT
ninja -C "$work/build" -j "$jobs" faiss > "$work/ninja.log" 2>&1 ||
  { tail -60 "$work/ninja.log" >&2; fail "compiling Faiss failed (log above)"; }
# Only the faiss target was built: install its component (headers, libfaiss.a, CMake config).
cmake --install "$work/build" --component Unspecified > "$work/install.log" 2>&1 ||
  cmake --install "$work/build" >> "$work/install.log" 2>&1 ||
  { tail -20 "$work/install.log" >&2; fail "installing Faiss into $staging failed"; }
kill $ticker 2>/dev/null || true
[[ -f "$staging/lib/libfaiss.a" || -f "$staging/lib64/libfaiss.a" ]] || fail "the install put no libfaiss.a under $staging"
[[ -d "$staging/lib" ]] || ln -s lib64 "$staging/lib"
cp "$src/LICENSE" "$staging/LICENSE.faiss"
printf 'version=%s\nsha256=%s\nkey=%s\nflags=%s\ncompiler=%s\nbuilt=%s\nseconds=%s\n' \
  "$faiss_version" "$faiss_sha256" "$key" "${cmake_flags[*]}" "$(c++ --version | head -1)" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(( SECONDS - start ))" > "$staging/BUILD-INFO"
touch "$staging/.complete"
rm -rf "$prefix"
mv "$staging" "$prefix"
say "built Faiss $faiss_version in $(( SECONDS - start )) s"
publish_link
