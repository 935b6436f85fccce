# test.sh - `./spot test`: install, build, run every test through ctest (sourced by ./spot).
#
# Two builds: build/ runs everything (unit and integration tests against real
# MariaDB, nginx and spawn-fcgi started privately by the tests), build-asan/
# runs the unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.

spot_test() {
  deps_install "${SPOT_PKGS_RUN[@]}" "${SPOT_PKGS_TEST[@]}"
  say "building build/ and build-asan/"
  spot_build build -DSPOT_SANITIZE=OFF
  # Same optimization level as build/, so both see the same warnings (-Werror).
  spot_build build-asan -DSPOT_SANITIZE=ON -DSPOT_UNIT_ONLY=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
  local rc=0
  say "unit tests under ASan+UBSan (build-asan/)"
  (cd "$SRC/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -L unit --output-on-failure -j "$(nproc)" "$@") || rc=1
  say "all tests (build/)"
  (cd "$SRC/build" && ctest --output-on-failure -j "$(nproc)" "$@") || rc=1
  [ $rc -eq 0 ] && say "all tests passed" || say "some tests failed"
  return $rc
}
