# lucid_bench_common: what lucid-bench, lucid-bench-jit and lucid-tune share (the suite file,
# problem buffers, pass runners, the reference oracle, the FMA peak and STREAM triad probes,
# the median timer). Included from each user's CMakeLists.txt rather than added as a
# subdirectory, so lucid-tune builds even with LUCID_BUILD_BENCH=OFF; include_guard defines the
# target once whatever the order.
include_guard(GLOBAL)

add_library(lucid_bench_common STATIC
  ${CMAKE_CURRENT_LIST_DIR}/suite_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/problem_data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pass_runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reference_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fma_peak.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_triad.cpp
  ${CMAKE_CURRENT_LIST_DIR}/median_timer.cpp)
target_include_directories(lucid_bench_common PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lucid_bench_common PUBLIC lucid_jit lucid_spec)
# The suite lives beside the repository (../shared/suite.json); LUCID_SUITE or --suite override.
target_compile_definitions(lucid_bench_common PRIVATE
  LUCID_DEFAULT_SUITE="${PROJECT_SOURCE_DIR}/../shared/suite.json")
# Split calls over threads with the runtime's pool when the runtime is built.
if(TARGET lucid_runtime)
  target_link_libraries(lucid_bench_common PUBLIC lucid_runtime)
  target_compile_definitions(lucid_bench_common PRIVATE LUCID_BENCH_HAVE_THREAD_POOL=1)
endif()
