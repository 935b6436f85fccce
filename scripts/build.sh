# build.sh - configure and build with CMake (sourced by ./spot).

# spot_build BUILDDIR [CMAKE OPTIONS...]: warnings are errors, as in CI.
# BUILDDIR is relative to the source tree, or absolute.
spot_build() {
  local dir=$1
  [[ "$dir" == /* ]] || dir=$SRC/$dir
  shift
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if [ ! -f "$dir/CMakeCache.txt" ] || [ $# -gt 0 ]; then
    cmake -S "$SRC" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPOT_WERROR=ON "$@" >/dev/null \
      || die "cmake configure failed in $dir"
  fi
  cmake --build "$dir" -j "$jobs" > "$dir/build-output.log" 2>&1 || { tail -n 40 "$dir/build-output.log" >&2; die "build failed in $dir (log: $dir/build-output.log)"; }
}
